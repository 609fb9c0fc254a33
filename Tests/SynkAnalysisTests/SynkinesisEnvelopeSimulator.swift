import Foundation
import SynkAnalysis
import SynkCore

/// A deterministic generator local to these tests (SplitMix64), so that they depend on no other module's RNG.
struct TestRandom {
    private var state: UInt64
    /// The seed goes through the SplitMix finaliser so that neighbouring seeds start far apart
    /// (a plain multiple would make seed s+1's stream seed s's stream shifted by one draw).
    init(seed: UInt64) {
        var z = seed &+ 0x2545_F491_4F6C_DD1D
        z = (z ^ (z >> 33)) &* 0xFF51_AFD7_ED55_8CCD
        z = (z ^ (z >> 33)) &* 0xC4CE_B9FE_1A85_EC53
        state = z ^ (z >> 33)
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    mutating func gaussian() -> Double {
        let u1 = max(uniform(), 1e-300)
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * uniform())
    }

    /// A stationary AR(1) series with unit variance and coefficient `phi`.
    mutating func ar1(count: Int, phi: Double) -> [Double] {
        var out = [Double](repeating: 0, count: count)
        let innovation = (1 - phi * phi).squareRoot()
        var x = gaussian()
        for i in 0..<count {
            out[i] = x
            x = phi * x + innovation * gaussian()
        }
        return out
    }
}

/// Envelope-level ground truth for synkinesis tests: tasks with trapezoid bursts of the driver,
/// multiplicative AR(1) fluctuation of every burst, AR(1) noise around a rest level, and synkinetic
/// couplings that add a scaled, delayed copy of a driver's activity to a follower on one side.
struct SynkinesisEnvelopeSimulator {
    struct TaskPlan {
        var name: String
        var driver: Muscle
        var repetitions: Int
        var durationSeconds: Double
    }

    struct Coupling {
        var driver: Muscle
        var follower: Muscle
        var side: Side
        var gain: Double
        var lagSamples: Int
    }

    var sampleRate = 100.0
    var muscles: [Muscle] = [.OOc, .ZYG, .OOr]
    var sides: [Side] = [.left, .right]
    var restLevel = 5.0
    var restNoiseSD = 0.6
    var noisePhi = 0.85
    var activation = 40.0
    var fluctuationSD = 0.25
    var fluctuationPhi = 0.9
    var restBeforeSeconds = 2.0
    var gapSeconds = 1.5
    var rampSeconds = 0.3
    var tasks: [TaskPlan] = [
        TaskPlan(name: "eye_closure", driver: .OOc, repetitions: 2, durationSeconds: 3),
        TaskPlan(name: "smile", driver: .ZYG, repetitions: 2, durationSeconds: 3),
        TaskPlan(name: "pucker", driver: .OOr, repetitions: 2, durationSeconds: 3),
    ]
    var couplings: [Coupling] = []
    /// Per (muscle, side) multiplicative gain of the whole envelope (electrode gain).
    var channelGain: [String: Double] = [:]
    /// When true both sides share their fluctuation and noise processes (a mirror image up to gain).
    var mirrorSides = false
    /// Independent noise SD added on top of everything (µV), even when mirrored.
    var independentNoiseSD = 0.0

    struct Output {
        var envelopes: [[Float]]
        var labels: [String]
        var channels: [ChannelInfo]
        var events: [Event]
        /// Sample ranges of each task's repetitions.
        var truth: [String: [Range<Int>]]
    }

    static func label(_ muscle: Muscle, _ side: Side) -> String { "\(muscle.rawValue)-\(side == .left ? "L" : "R")" }

    func make(seed: UInt64) -> Output {
        var rng = TestRandom(seed: seed)
        let fs = sampleRate
        var events: [Event] = []
        var truth: [String: [Range<Int>]] = [:]
        var t = restBeforeSeconds
        for task in tasks {
            for rep in 0..<task.repetitions {
                events.append(Event(onset: t, duration: task.durationSeconds, label: "\(task.name)_\(rep + 1)"))
                let start = Int((t * fs).rounded())
                truth[task.name, default: []].append(start..<(start + Int((task.durationSeconds * fs).rounded())))
                t += task.durationSeconds + gapSeconds
            }
        }
        let n = Int((t * fs).rounded())
        // Shape of activity of each muscle (trapezoid during its own tasks).
        func shape(for muscle: Muscle) -> [Double] {
            var s = [Double](repeating: 0, count: n)
            let ramp = rampSeconds * fs
            for task in tasks where task.driver == muscle {
                for range in truth[task.name] ?? [] {
                    for i in range {
                        let fromStart = Double(i - range.lowerBound), toEnd = Double(range.upperBound - 1 - i)
                        s[i] = min(1, fromStart / ramp, toEnd / ramp)
                    }
                }
            }
            return s
        }
        var activity: [String: [Double]] = [:]
        var noise: [String: [Double]] = [:]
        var shared: [Muscle: ([Double], [Double])] = [:]
        for muscle in muscles {
            let s = shape(for: muscle)
            for side in sides {
                let fluctuation: [Double]
                let restNoise: [Double]
                if mirrorSides, let cached = shared[muscle] {
                    (fluctuation, restNoise) = cached
                } else {
                    fluctuation = rng.ar1(count: n, phi: fluctuationPhi)
                    restNoise = rng.ar1(count: n, phi: noisePhi)
                    shared[muscle] = (fluctuation, restNoise)
                }
                let key = Self.label(muscle, side)
                activity[key] = (0..<n).map { activation * s[$0] * max(0, 1 + fluctuationSD * fluctuation[$0]) }
                noise[key] = restNoise.map { restNoiseSD * $0 }
            }
        }
        var envelopes: [[Float]] = []
        var labels: [String] = []
        var channels: [ChannelInfo] = []
        for side in sides {
            for muscle in muscles {
                let key = Self.label(muscle, side)
                var e = (0..<n).map { restLevel + noise[key]![$0] + activity[key]![$0] }
                for coupling in couplings where coupling.follower == muscle && coupling.side == side {
                    let source = activity[Self.label(coupling.driver, side)]!
                    for i in 0..<n where i - coupling.lagSamples >= 0 && i - coupling.lagSamples < n {
                        e[i] += coupling.gain * source[i - coupling.lagSamples]
                    }
                }
                let gain = channelGain[key] ?? 1
                envelopes.append(e.map { Float(max(0.01, gain * $0 + independentNoiseSD * rng.gaussian())) })
                labels.append(key)
                channels.append(ChannelInfo(label: key, muscle: muscle, side: side))
            }
        }
        return Output(envelopes: envelopes, labels: labels, channels: channels, events: events, truth: truth)
    }
}
