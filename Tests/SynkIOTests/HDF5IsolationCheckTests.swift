import Foundation
import Testing
import SynkCore
@testable import SynkIO

/// The child-process check of ``HDF5Isolation`` judged on stand-in children (`/bin/sh` scripts), one per way a
/// child can end; the real `synk __check-hdf5` child is tested through the CLI (SynkCLITests).
@Suite("HDF5Isolation.childProcessCheck: how the child ends decides the verdict")
struct HDF5IsolationCheckTests {
    static func check(_ script: String, timeout: Double = 10) -> HDF5Isolation.Check {
        HDF5Isolation.childProcessCheck(executable: "/bin/sh", arguments: { _, _, _ in ["-c", script] }, timeout: { _ in timeout })
    }

    static func error(_ check: HDF5Isolation.Check, _ path: String = "/data/x.h5") -> SynkError? {
        do { try check(path, nil, nil); return nil } catch { return error }
    }

    @Test("exit 0 passes")
    func passes() {
        #expect(Self.error(Self.check("exit 0")) == nil)
    }

    @Test("the child inherits no descriptor of the parent (an HDF5 file's lock must not outlive its close)")
    func noInheritedDescriptors() throws {
        let descriptor = open("/dev/null", O_RDONLY)   // not close-on-exec, as HDF5 opens its files
        try #require(descriptor > 2)
        defer { close(descriptor) }
        #expect(Self.error(Self.check("test -e /proc/$$/fd/\(descriptor) && exit 7; exit 0")) == nil)
    }

    @Test("death by SIGSEGV: an input error naming the file, saying the library crashed")
    func crash() {
        let error = Self.error(Self.check("kill -SEGV $$"))
        #expect(error == SynkError.input("/data/x.h5", "the HDF5 library crashed while parsing this file (corrupt or hostile HDF5)"))
        #expect(error?.exitCode == 3)
    }

    @Test("a child still running at the deadline is killed and reported; the wait ends near the deadline")
    func hang() {
        let start = Date()
        let error = Self.error(Self.check("exec sleep 30", timeout: 0.5))
        let elapsed = Date().timeIntervalSince(start)
        #expect(error?.kind == .input && error?.problem.contains("did not finish parsing") == true, "\(String(describing: error))")
        #expect(elapsed >= 0.5 && elapsed < 5, "\(elapsed) s")
    }

    @Test("a SynkError reported by the child is thrown as it was, field for field")
    func reportedError() {
        let original = SynkError(.input, file: "/data/x.h5", place: "/emg/data", "could not read frames 0..<10", hint: "the file may be truncated")
        let report = HDF5Isolation.childReport(original)
        let error = Self.error(Self.check("printf '%s\\n' '\(report)'; exit 3"))
        #expect(error == original)
    }

    @Test("a child failing without a report is an input error with its exit code")
    func unexplainedFailure() {
        let error = Self.error(Self.check("exit 7"))
        #expect(error?.kind == .input && error?.problem == "the HDF5 check process failed (exit 7)")
    }
}
