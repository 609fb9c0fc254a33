import Foundation
import SynkCore

/// Prints an HTML report to PDF with a headless Chromium (the page's print CSS sets the paper size).
public enum PDFPrinter {
    /// Executable names tried on `PATH`, in order, after `SYNK_CHROMIUM`.
    public static let browserNames = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome", "headless_shell"]

    /// The browser to print with: `SYNK_CHROMIUM` when it names an executable, else the first of ``browserNames`` on `PATH`.
    public static func findBrowser(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        let fm = FileManager.default
        if let explicit = environment["SYNK_CHROMIUM"], !explicit.isEmpty {
            return fm.isExecutableFile(atPath: explicit) ? explicit : nil
        }
        let directories = (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":").map(String.init)
        for name in browserNames {
            for directory in directories where !directory.isEmpty {
                let path = (directory as NSString).appendingPathComponent(name)
                if fm.isExecutableFile(atPath: path) { return path }
            }
        }
        return nil
    }

    /// The PDF of `html`. Throws `.output` when the browser fails, times out or writes no PDF.
    public static func pdf(html: String, browser: String, timeoutSeconds: Double = 120) throws(SynkError) -> Data {
        let fm = FileManager.default
        let directory = fm.temporaryDirectory.appendingPathComponent("synk-pdf-\(UUID().uuidString)")
        defer { try? fm.removeItem(at: directory) }
        let page = directory.appendingPathComponent("report.html"), pdf = directory.appendingPathComponent("report.pdf")
        let log = directory.appendingPathComponent("browser.log")
        do {
            try fm.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data(html.utf8).write(to: page)
            _ = fm.createFile(atPath: log.path, contents: nil)
        } catch {
            throw .output(directory.path, "cannot write the page for the browser", hint: "check TMPDIR")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: browser)
        var arguments = ["--headless", "--disable-gpu", "--no-pdf-header-footer", "--hide-scrollbars",
                         "--user-data-dir=\(directory.appendingPathComponent("profile").path)",
                         "--print-to-pdf=\(pdf.path)", page.absoluteString]
        // Chromium refuses to start as root with its sandbox on.
        if geteuid() == 0 { arguments.insert("--no-sandbox", at: 0) }
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        let logHandle = try? FileHandle(forWritingTo: log)
        process.standardError = logHandle ?? FileHandle.nullDevice
        do { try process.run() } catch {
            throw .output(nil, "cannot start \(browser) to print the PDF", hint: "write --format html and print it from a browser")
        }
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while process.isRunning, Date() < deadline { usleep(50_000) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            throw .output(nil, "\(browser) did not finish printing within \(Int(timeoutSeconds)) s")
        }
        try? logHandle?.close()
        guard let data = fm.contents(atPath: pdf.path), data.starts(with: Data("%PDF".utf8)) else {
            let last = (try? String(contentsOf: log, encoding: .utf8))?.split(separator: "\n").last.map(String.init) ?? ""
            throw .output(nil, "\(browser) wrote no PDF (exit \(process.terminationStatus))\(last.isEmpty ? "" : ": " + last)")
        }
        return data
    }
}
