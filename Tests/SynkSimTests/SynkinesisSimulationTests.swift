import Foundation
import Testing
import SynkCore
@testable import SynkSim

// Every expectation below comes from the simulation's parameters (hand calculation) or from its
// ground truth, which is computed from the generating model; the measurements are made here on the
// samples with independent code (a radix-2 FFT, Welch's method, RMS over event windows).

// MARK: - Measurement helpers (independent of the simulator)

/// In-place iterative radix-2 FFT; `re.count` must be a power of two.
private func fft(_ re: inout [Double], _ im: inout [Double]) {
    let n = re.count
    var j = 0
    for i in 1..<n {
        var bit = n >> 1
        while j & bit != 0 { j ^= bit; bit >>= 1 }
        j |= bit
        if i < j { re.swapAt(i, j); im.swapAt(i, j) }
    }
    var length = 2
    while length <= n {
        let angle = -2 * Double.pi / Double(length)
        for start in stride(from: 0, to: n, by: length) {
            for k in 0..<(length / 2) {
                let wr = cos(angle * Double(k)), wi = sin(angle * Double(k))
                let a = start + k, b = a + length / 2
                let tr = re[b] * wr - im[b] * wi, ti = re[b] * wi + im[b] * wr
                re[b] = re[a] - tr; im[b] = im[a] - ti
                re[a] += tr; im[a] += ti
            }
        }
        length <<= 1
    }
}

/// One-sided Welch PSD (Hann window, 50 % overlap): (frequencies Hz, power per bin, arbitrary scale).
private func welch(_ x: ArraySlice<Float>, rate: Double, segment: Int = 1024) -> (frequency: [Double], power: [Double]) {
    let window = (0..<segment).map { 0.5 - 0.5 * cos(2 * Double.pi * Double($0) / Double(segment)) }
    var power = [Double](repeating: 0, count: segment / 2 + 1)
    var start = x.startIndex
    while start + segment <= x.endIndex {
        var re = (0..<segment).map { Double(x[start + $0]) * window[$0] }
        var im = [Double](repeating: 0, count: segment)
        fft(&re, &im)
        for k in power.indices { power[k] += re[k] * re[k] + im[k] * im[k] }
        start += segment / 2
    }
    return ((0...segment / 2).map { Double($0) * rate / Double(segment) }, power)
}

private func rms(_ x: ArraySlice<Float>) -> Double {
    (x.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(x.count)).squareRoot()
}

/// Mean square over the samples *i* with onset ≤ i / rate < end of every window.
private func meanSquare(_ x: [Float], rate: Double, windows: [(Double, Double)]) -> Double {
    var sum = 0.0, count = 0
    for (onset, end) in windows {
        for i in Int((onset * rate).rounded(.up))..<Int((end * rate).rounded(.up)) {
            sum += Double(x[i]) * Double(x[i]); count += 1
        }
    }
    return sum / Double(count)
}

private func channel(_ r: Recording, _ label: String) -> [Float] {
    r.samples[r.channels.firstIndex { $0.label == label }!]
}

private func events(_ r: Recording, _ task: String) -> [(Double, Double)] {
    r.header.events.filter { $0.label == task }.map { ($0.onset, $0.end) }
}

/// The session-1 preset with seed 1, simulated once and shared by the tests that only read it.
private let session1 = Result { () throws(SynkError) in try SynkinesisSimulation.simulate(.patientLeftSession1, seed: 1) }

/// Two muscles, one long contraction each, no crosstalk, no mains, no variability between repetitions,
/// effort fluctuating by δ = 0.15 within the plateau.
private func longPlateauSimulation() -> SynkinesisSimulation {
    SynkinesisSimulation(
        muscles: [
            MuscleSignal(muscle: .ZYG, spectralPeakHz: 65, plateauRMSMicrovolts: 180, baselineNoiseMicrovolts: 3),
            MuscleSignal(muscle: .OOr, spectralPeakHz: 110, plateauRMSMicrovolts: 90, baselineNoiseMicrovolts: 4),
        ],
        tasks: [
            ExpressionTask(name: "smile", drivers: [.ZYG], repetitions: 1, contractionSeconds: 30.5, restSeconds: 1),
            ExpressionTask(name: "pucker", drivers: [.OOr], repetitions: 1, contractionSeconds: 30.5, restSeconds: 1),
        ],
        leadInSeconds: 1, affectedSide: .left, affectedSideAmplitudeScale: 0.6,
        crosstalk: [], mains: MainsInterference(amplitudeMicrovolts: 0),
        variability: RepetitionVariability(amplitudeLogSD: 0, durationRelativeSD: 0, restRelativeJitter: 0, effortFluctuationSD: 0.15))
}

@Suite("Synkinesis simulator")
struct SynkinesisSimulationTests {
    @Test("the same seed gives bitwise identical samples, another seed different ones")
    func determinism() throws {
        let p = SynkinesisSimulation.patientLeftSession1
        let a = try session1.get()
        let b = try SynkinesisSimulation.simulate(p, seed: 1)
        let c = try SynkinesisSimulation.simulate(p, seed: 2)
        #expect(a.recording.samples.map { $0.map(\.bitPattern) } == b.recording.samples.map { $0.map(\.bitPattern) })
        #expect(a.recording.header == b.recording.header)
        #expect(a.truth == b.truth)
        // Another seed: other noise on every channel and other repetition timing.
        for ch in a.recording.samples.indices {
            let n = min(a.recording.frameCount, c.recording.frameCount)
            #expect(a.recording.samples[ch][0..<n] != c.recording.samples[ch][0..<n])
        }
        #expect(a.truth.repetitions.map(\.onset) != c.truth.repetitions.map(\.onset))
    }

    @Test("the preset has 14 labelled µV channels, one event per repetition and the patient's metadata")
    func presetShape() throws {
        let (recording, truth) = try session1.get()
        let labels = ["FRO", "OOc", "ZYG", "LLS", "OOr", "MEN", "PLA"].flatMap { ["\($0)-L", "\($0)-R"] }
        #expect(recording.channels.map(\.label) == labels)
        #expect(recording.channels.allSatisfy { $0.unit == .microvolt && $0.kind == .emg })
        #expect(recording.channels[2].muscle == .OOc && recording.channels[2].side == .left)
        #expect(recording.channels[3].muscle == .OOc && recording.channels[3].side == .right)
        #expect(recording.sampleRate == 2000)
        // 2 s lead-in + 15 × (3 s ± 8 % contraction + 3 s ± 15 % rest) ≈ 92 s.
        #expect(recording.duration > 80 && recording.duration < 104)
        #expect(recording.header.affectedSide == .left)
        #expect(recording.header.subject == "SIM-P01" && recording.header.session == "1")
        let events = recording.header.events
        #expect(events.count == 15)
        #expect(events.map(\.label) == ["brow_raise", "eye_closure", "smile", "snarl", "pucker"].flatMap { Array(repeating: $0, count: 3) })
        for (event, rep) in zip(events, truth.repetitions) {
            #expect(event.onset == rep.onset)
            #expect(abs(event.end - rep.offset) < 1e-9)
            #expect(event.duration > 3 * 0.76 && event.duration < 3 * 1.24)
        }
        #expect(recording.samples.allSatisfy { $0.allSatisfy(\.isFinite) })
    }

    @Test("the plateau spectrum peaks within ±15 Hz of the muscle's parameter with most power in 20-250 Hz")
    func spectrum() throws {
        let p = longPlateauSimulation()
        let (recording, truth) = try SynkinesisSimulation.simulate(p, seed: 5)
        for (label, task, peak) in [("ZYG-L", "smile", 65.0), ("ZYG-R", "smile", 65.0), ("OOr-R", "pucker", 110.0)] {
            let rep = truth.repetitions.first { $0.task == task }!
            let x = channel(recording, label)
            let plateau = x[Int(rep.plateauStart * 2000) + 1..<Int(rep.plateauEnd * 2000)]
            let (frequency, power) = welch(plateau, rate: 2000)
            // A 5-bin (≈10 Hz) running mean tames the estimator's scatter before taking the maximum.
            let smoothed = power.indices.map { k in power[max(0, k - 2)...min(power.count - 1, k + 2)].reduce(0, +) }
            let peakBin = smoothed.indices.max { smoothed[$0] < smoothed[$1] }!
            #expect(abs(frequency[peakBin] - peak) <= 15, "\(label): spectral peak at \(frequency[peakBin]) Hz, expected \(peak) Hz")
            let inBand = zip(frequency, power).filter { $0.0 >= 20 && $0.0 <= 250 }.reduce(0) { $0 + $1.1 }
            let fraction = inBand / power.reduce(0, +)
            #expect(fraction > 0.8, "\(label): only \(fraction) of the power lies in 20-250 Hz")
        }
    }

    @Test("plateau RMS is within 5 % of √(A²(1 + δ²) + noise²), A scaled on the affected side")
    func plateauAmplitude() throws {
        let p = longPlateauSimulation()
        let (recording, truth) = try SynkinesisSimulation.simulate(p, seed: 9)
        // (channel, task, A, electrode noise): left is affected, A × 0.6.
        let cases: [(String, String, Double, Double)] = [
            ("ZYG-L", "smile", 180 * 0.6, 3), ("ZYG-R", "smile", 180, 3),
            ("OOr-L", "pucker", 90 * 0.6, 4), ("OOr-R", "pucker", 90, 4),
        ]
        for (label, task, a, noise) in cases {
            let rep = truth.repetitions.first { $0.task == task }!
            let measured = meanSquare(channel(recording, label), rate: 2000, windows: [(rep.plateauStart, rep.plateauEnd)]).squareRoot()
            let expected = (a * a * (1 + 0.15 * 0.15) + noise * noise).squareRoot()
            #expect(abs(measured / expected - 1) < 0.05, "\(label): plateau RMS \(measured) µV, expected \(expected) µV")
        }
        // At rest only the electrode noise remains.
        let rest = channel(recording, "ZYG-R")[0..<1800]
        #expect(abs(rms(rest) / 3 - 1) < 0.05)
    }

    @Test("other sample rates and 60 Hz mains: the spectral peak and plateau RMS follow the parameters", arguments: [1000.0, 4000.0])
    func sampleRates(rate: Double) throws {
        var p = longPlateauSimulation()
        p.sampleRate = rate
        p.tasks = [ExpressionTask(name: "smile", drivers: [.ZYG], repetitions: 1, contractionSeconds: 12, restSeconds: 1)]
        p.mains = MainsInterference(frequencyHz: 60, amplitudeMicrovolts: 2, harmonicAmplitudes: [0.3, 0.5])
        let (recording, truth) = try SynkinesisSimulation.simulate(p, seed: 13)
        #expect(recording.sampleRate == rate)
        let rep = truth.repetitions[0]
        let x = channel(recording, "ZYG-R")
        let plateau = x[Int(rep.plateauStart * rate) + 1..<Int(rep.plateauEnd * rate)]
        // A = 180 µV, δ = 0.15, noise 3 µV, mains 2 µV at 60 Hz with harmonics 0.3 and 0.5 (all below Nyquist).
        let musclePower: Double = 180 * 180 * (1 + 0.15 * 0.15)
        let mainsPower: Double = 2 * 2 * (1 + 0.09 + 0.25) / 2
        let expected = (musclePower + 3 * 3 + mainsPower).squareRoot()
        #expect(abs(rms(plateau) / expected - 1) < 0.05, "RMS \(rms(plateau)) µV at \(rate) Hz, expected \(expected) µV")
        let (frequency, power) = welch(plateau, rate: rate, segment: rate > 2000 ? 2048 : 512)
        let smoothed = power.indices.map { k in power[max(0, k - 2)...min(power.count - 1, k + 2)].reduce(0, +) }
        let peakBin = smoothed.indices.max { smoothed[$0] < smoothed[$1] }!
        #expect(abs(frequency[peakBin] - 65) <= 15, "peak at \(frequency[peakBin]) Hz at \(rate) Hz sampling")
        // The event is in seconds, whatever the rate.
        #expect(abs(recording.header.events[0].onset - 1) < 1e-12)
    }

    @Test("expected band-limited RMS agrees within 5 % with the Welch power inside the band")
    func bandLimitedExpectation() throws {
        let (recording, truth) = try SynkinesisSimulation.simulate(longPlateauSimulation(), seed: 12)
        let cases: [(String, String, Muscle, Side)] = [
            ("smile", "ZYG-R", .ZYG, .right), ("pucker", "OOr-L", .OOr, .left), ("pucker", "ZYG-R", .ZYG, .right),
        ]
        for (task, label, muscle, side) in cases {
            let event = try #require(recording.header.events.first { $0.label == task })
            let x = channel(recording, label)[Int((event.onset * 2000).rounded(.up))..<Int((event.end * 2000).rounded(.up))]
            let (frequency, power) = welch(x, rate: 2000)
            let total = power.reduce(0, +)
            for band in [20.0...450.0, 100.0...450.0, 30.0...80.0] {
                var inside = 0.0
                for (f, w) in zip(frequency, power) where band.contains(f) { inside += w }
                let measured = (rms(x) * rms(x) * inside / total).squareRoot()
                let expected = try #require(truth.expectedRMS(task: task, muscle: muscle, side: side, band: band))
                #expect(abs(measured / expected - 1) < 0.05, "\(label) \(task) \(band): \(measured) µV, expected \(expected) µV")
            }
        }
        // White electrode noise alone (ZYG-R at rest during pucker): 3 µV · √(430 / 1000).
        let restBand = try #require(truth.expectedRMS(task: "pucker", muscle: .ZYG, side: .right, band: 20...450))
        #expect(abs(restBand - 3 * (430.0 / 1000).squareRoot()) < 1e-9)
        // Without an affected-side band the band-limited ratio reduces to the unfiltered one here (one muscle only).
        #expect(truth.expectedAmplitudeRatio(task: "pucker", follower: .ZYG, band: 0...1000).map { abs($0 - 1) < 1e-9 } == true)
    }

    @Test("bursts found by a threshold on the smoothed rectified signal start within 30 ms of the true onsets")
    func burstOnsets() throws {
        let (recording, truth) = try session1.get()
        let rate = recording.sampleRate
        let half = Int(0.010 * rate)  // centred 21-sample (≈20 ms) moving average of |x|
        var checked = 0
        for rep in truth.repetitions {
            for side in Side.allCases {
                let x = channel(recording, SynkinesisSimulation.label(rep.drivers[0], side)).map { abs(Double($0)) }
                var smooth = [Double](repeating: 0, count: x.count)
                var running = 0.0
                for i in 0..<min(x.count, half + 1) { running += x[i] }
                for i in x.indices {
                    smooth[i] = running / Double(2 * half + 1)
                    if i + half + 1 < x.count { running += x[i + half + 1] }
                    if i - half >= 0 { running -= x[i - half] }
                }
                // Baseline: the first 1.5 s (lead-in rest); threshold mean + 6 SD.
                let baseline = smooth[half..<Int(1.5 * rate)]
                let mean = baseline.reduce(0, +) / Double(baseline.count)
                let sd = (baseline.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(baseline.count)).squareRoot()
                let threshold = mean + 6 * sd
                // First sample from 1 s before the true onset that stays above threshold for 50 ms.
                let hold = Int(0.05 * rate)
                var i = Int((rep.onset - 1) * rate)
                var found: Int?
                while i < Int((rep.onset + 0.5) * rate) {
                    if smooth[i] > threshold, smooth[i..<i + hold].allSatisfy({ $0 > threshold }) { found = i; break }
                    i += 1
                }
                let onset = try #require(found, "\(rep.task) \(rep.repetition) \(side): no burst found")
                let error = Double(onset) / rate - rep.onset
                #expect(abs(error) <= 0.030, "\(rep.task) \(rep.repetition) \(side): detected onset off by \(error * 1000) ms")
                checked += 1
            }
        }
        #expect(checked == 30)
    }

    @Test("an affected-side follower carries gain × driver activation; the healthy mirror is weaker; it is not a copy")
    func couplingGain() throws {
        let gain = 0.5, mirror = 0.08, lag = 0.025
        let p = SynkinesisSimulation(
            muscles: [
                MuscleSignal(muscle: .OOc, spectralPeakHz: 95, plateauRMSMicrovolts: 120, baselineNoiseMicrovolts: 3),
                MuscleSignal(muscle: .OOr, spectralPeakHz: 105, plateauRMSMicrovolts: 200, baselineNoiseMicrovolts: 3.5),
            ],
            tasks: [ExpressionTask(name: "eye_closure", drivers: [.OOc], repetitions: 8, contractionSeconds: 4, restSeconds: 2)],
            affectedSide: .right, affectedSideAmplitudeScale: 0.8,
            couplings: [SynkineticCoupling(driver: .OOc, follower: .OOr, gain: gain, mirrorGain: mirror, lagMilliseconds: lag * 1000, prolongedReleaseMilliseconds: 200)],
            crosstalk: [], mains: MainsInterference(frequencyHz: 50, amplitudeMicrovolts: 1, harmonicAmplitudes: [0.3, 0.5]))
        let (recording, truth) = try SynkinesisSimulation.simulate(p, seed: 11)
        let reps = truth.repetitions
        // Driver plateaus, shifted by the follower's lag.
        let windows = reps.map { ($0.plateauStart + lag, $0.plateauEnd + lag) }
        let weights = reps.map { $0.plateauEnd - $0.plateauStart }
        let meanLevelSquare = zip(reps, weights).reduce(0) { $0 + $1.0.activationLevel * $1.0.activationLevel * $1.1 } / weights.reduce(0, +)
        // Noise power on OOr: electrode noise 3.5² + mains (1 + 0.09 + 0.25) / 2.
        let noisePower = 3.5 * 3.5 + (1 + 0.09 + 0.25) / 2
        func followerRMS(_ label: String) -> Double {
            (meanSquare(channel(recording, label), rate: 2000, windows: windows) - noisePower).squareRoot()
        }
        let affected = followerRMS("OOr-R"), healthy = followerRMS("OOr-L")
        // The default effort fluctuation δ = 0.15 raises the mean square by 1 + δ².
        let fluctuation = (1 + 0.15 * 0.15).squareRoot()
        let expectedAffected = gain * 200 * 0.8 * meanLevelSquare.squareRoot() * fluctuation
        let expectedHealthy = mirror * 200 * meanLevelSquare.squareRoot() * fluctuation
        #expect(abs(affected / expectedAffected - 1) < 0.05, "affected follower RMS \(affected) µV, expected \(expectedAffected) µV")
        #expect(abs(healthy / expectedHealthy - 1) < 0.10, "mirror follower RMS \(healthy) µV, expected \(expectedHealthy) µV")
        #expect(healthy < 0.5 * affected)
        // Follower activation relative to the driver's: the driver's plateau RMS is 120 × 0.8 × level.
        let driver = (meanSquare(channel(recording, "OOc-R"), rate: 2000, windows: reps.map { ($0.plateauStart, $0.plateauEnd) }) - 9 - (1 + 0.09 + 0.25) / 2).squareRoot()
        let activationRatio = (affected / (200 * 0.8)) / (driver / (120 * 0.8))
        #expect(abs(activationRatio / gain - 1) < 0.06, "follower/driver activation \(activationRatio), gain \(gain)")
        // Own motor units: raw follower and driver samples are uncorrelated although their envelopes co-vary.
        let d = channel(recording, "OOc-R"), f = channel(recording, "OOr-R")
        var sdd = 0.0, sff = 0.0, sdf = 0.0
        for (start, end) in windows {
            for i in Int(start * 2000)..<Int(end * 2000) {
                sdd += Double(d[i]) * Double(d[i]); sff += Double(f[i]) * Double(f[i]); sdf += Double(d[i]) * Double(f[i])
            }
        }
        #expect(abs(sdf / (sdd * sff).squareRoot()) < 0.05)
        // The prolonged release: the follower burst ends 25 + 200 ms after the driver contraction.
        let burst = try #require(truth.coupledBursts.first { $0.side == .right && $0.repetition == 1 })
        #expect(abs(burst.offset - (reps[0].offset + 0.225)) < 1e-9)
        #expect(abs(burst.onset - (reps[0].onset + 0.025)) < 1e-9)
        #expect(truth.coupledBursts.first { $0.side == .left && $0.repetition == 1 }.map { abs($0.offset - (reps[0].offset + 0.025)) < 1e-9 } == true)
    }

    @Test("the shared effort fluctuation makes coupled envelopes co-vary within plateaus; without it they do not")
    func sharedFluctuation() throws {
        func plateauEnvelopeCorrelation(effortSD: Double) throws -> Double {
            let p = SynkinesisSimulation(
                muscles: [
                    MuscleSignal(muscle: .OOc, spectralPeakHz: 95, plateauRMSMicrovolts: 120),
                    MuscleSignal(muscle: .OOr, spectralPeakHz: 105, plateauRMSMicrovolts: 200),
                ],
                tasks: [ExpressionTask(name: "eye_closure", drivers: [.OOc], repetitions: 6, contractionSeconds: 5, restSeconds: 1)],
                affectedSide: .left,
                couplings: [SynkineticCoupling(driver: .OOc, follower: .OOr, gain: 0.5, lagMilliseconds: 0)],
                crosstalk: [], mains: MainsInterference(amplitudeMicrovolts: 0),
                variability: RepetitionVariability(amplitudeLogSD: 0, durationRelativeSD: 0, restRelativeJitter: 0, effortFluctuationSD: effortSD))
            let (recording, truth) = try SynkinesisSimulation.simulate(p, seed: 8)
            let d = channel(recording, "OOc-L"), f = channel(recording, "OOr-L")
            // RMS in 250 ms blocks within each plateau, then Pearson r of the two block series.
            var xs: [Double] = [], ys: [Double] = []
            for rep in truth.repetitions {
                var start = Int(rep.plateauStart * 2000) + 1
                while start + 500 <= Int(rep.plateauEnd * 2000) {
                    xs.append(rms(d[start..<start + 500])); ys.append(rms(f[start..<start + 500]))
                    start += 500
                }
            }
            let mx = xs.reduce(0, +) / Double(xs.count), my = ys.reduce(0, +) / Double(ys.count)
            let sxy = zip(xs, ys).reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) }
            let sxx = xs.reduce(0) { $0 + ($1 - mx) * ($1 - mx) }, syy = ys.reduce(0) { $0 + ($1 - my) * ($1 - my) }
            return sxy / (sxx * syy).squareRoot()
        }
        // 250 ms blocks of a ~100 Hz-wide carrier scatter by ≈ 1/√(2·100·0.25) ≈ 14 % in RMS; a shared
        // δ = 0.3 fluctuation adds ≈ 30 %, so r ≈ 0.3² / (0.3² + 0.14²) ≈ 0.8. Without it r ≈ 0 ± 0.14 (n ≈ 100).
        let shared = try plateauEnvelopeCorrelation(effortSD: 0.3)
        let none = try plateauEnvelopeCorrelation(effortSD: 0)
        #expect(shared > 0.6, "r = \(shared) with a shared fluctuation")
        #expect(abs(none) < 0.3, "r = \(none) without fluctuation")
    }

    @Test("expected amplitude ratios agree within 3 % with RMS ratios measured over the task events")
    func amplitudeRatios() throws {
        var p = SynkinesisSimulation.patientLeftSession1
        // Longer tasks than the preset so that the RMS estimates' own scatter (≈1 %) stays below the tolerance.
        p.tasks = [
            ExpressionTask(name: "eye_closure", drivers: [.OOc], repetitions: 10, contractionSeconds: 5, restSeconds: 2),
            ExpressionTask(name: "pucker", drivers: [.OOr], repetitions: 10, contractionSeconds: 5, restSeconds: 2),
        ]
        p.muscles = p.muscles.filter { [.OOc, .ZYG, .OOr, .PLA].contains($0.muscle) }
        p.couplings = p.couplings.filter { $0.driver != .ZYG }
        let (recording, truth) = try SynkinesisSimulation.simulate(p, seed: 21)
        #expect(truth.amplitudeRatios.count == 6)
        for expected in truth.amplitudeRatios {
            let windows = events(recording, expected.task)
            let affected = meanSquare(channel(recording, SynkinesisSimulation.label(expected.follower, .left)), rate: 2000, windows: windows).squareRoot()
            let healthy = meanSquare(channel(recording, SynkinesisSimulation.label(expected.follower, .right)), rate: 2000, windows: windows).squareRoot()
            #expect(abs(affected / expected.affectedRMSMicrovolts - 1) < 0.03, "\(expected.task) \(expected.follower)-L: \(affected) vs \(expected.affectedRMSMicrovolts)")
            #expect(abs(healthy / expected.healthyRMSMicrovolts - 1) < 0.03, "\(expected.task) \(expected.follower)-R: \(healthy) vs \(expected.healthyRMSMicrovolts)")
            #expect(abs((affected / healthy) / expected.ratio - 1) < 0.03, "\(expected.task) \(expected.driver)→\(expected.follower): measured \(affected / healthy), expected \(expected.ratio)")
        }
        // The coupled pairs are clearly synkinetic (above the published 1.62 ocular→oral cut-off).
        let ocularOral = try #require(truth.amplitudeRatios.first { $0.driver == .OOc && $0.follower == .OOr })
        #expect(ocularOral.ratio > 1.62)
    }

    @Test("session 2 is weaker than session 1; the control has no affected side and symmetric mirror couplings")
    func presets() throws {
        let s1 = SynkinesisSimulation.patientLeftSession1, s2 = SynkinesisSimulation.patientLeftSession2
        #expect(s1.couplings.count == s2.couplings.count && s1.couplings.count >= 4)
        for (a, b) in zip(s1.couplings, s2.couplings) {
            #expect(a.driver == b.driver && a.follower == b.follower && b.gain < a.gain)
            #expect(a.gain >= 0.3 && a.gain <= 0.6 && a.lagMilliseconds >= 10 && a.lagMilliseconds <= 40)
        }
        let pairs = Set(s1.couplings.map { "\($0.driver.rawValue)>\($0.follower.rawValue)" })
        #expect(pairs.isSuperset(of: ["OOc>OOr", "OOc>ZYG", "ZYG>OOc", "OOr>OOc"]))
        let control = try SynkinesisSimulation.simulate(.healthyControl, seed: 2)
        #expect(control.recording.header.affectedSide == AffectedSide.none)
        #expect(control.truth.amplitudeRatios.isEmpty)
        #expect(control.truth.couplings.allSatisfy { !$0.synkinetic && $0.gain <= 0.1 && $0.prolongedMilliseconds == 0 })
        // Symmetric model: left and right expected RMS agree exactly in every task.
        for left in control.truth.taskActivity where left.side == .left {
            let right = try #require(control.truth.expectedRMS(task: left.task, muscle: left.muscle, side: .right))
            #expect(abs(left.expectedRMSMicrovolts - right) < 1e-9)
        }
    }

    @Test("artefacts appear exactly where specified")
    func artefacts() throws {
        let p = SynkinesisSimulation(
            muscles: [
                MuscleSignal(muscle: .OOc, spectralPeakHz: 95, plateauRMSMicrovolts: 120),
                MuscleSignal(muscle: .ZYG, spectralPeakHz: 85, plateauRMSMicrovolts: 180),
                MuscleSignal(muscle: .OOr, spectralPeakHz: 105, plateauRMSMicrovolts: 200),
            ],
            tasks: [ExpressionTask(name: "smile", drivers: [.ZYG], repetitions: 2)],
            artefacts: [
                .nanGap("OOc-L", from: 1.0, to: 1.5), .nanGap("OOc-L", from: 4.25, to: 4.2505),
                .flat("OOc-R"),
                .clipping("ZYG-L", atMicrovolts: 50),
                .disconnected("ZYG-R", mainsMicrovolts: 200),
                .motionSpikes("OOr-L", at: [0.5, 1.25], peakMicrovolts: 800),
            ])
        let (recording, truth) = try SynkinesisSimulation.simulate(p, seed: 4)
        // NaN exactly at samples 2000..<3000 and 8500 (4.25 s ≤ i/2000 < 4.2505 s).
        let gap = channel(recording, "OOc-L")
        let nanIndices = gap.indices.filter { gap[$0].isNaN }
        #expect(nanIndices == Array(2000..<3000) + [8500])
        #expect(truth.artefacts.filter { $0.kind == .nanGap }.map { [$0.firstSample, $0.endSample] } == [[2000, 3000], [8500, 8501]])
        // Flat: zero variance.
        #expect(Set(channel(recording, "OOc-R")) == [0])
        // Clipping: never beyond ±50 µV, and the limit is reached (the smile plateau is ~180 µV RMS).
        let clipped = channel(recording, "ZYG-L")
        #expect(clipped.allSatisfy { abs($0) <= 50 })
        #expect(clipped.filter { $0 == 50 }.count > 100 && clipped.filter { $0 == -50 }.count > 100)
        #expect(recording.channels[2].physicalRange == -50...50)
        // Disconnected: only mains, 200 µV at 50 Hz with harmonics of 0.3 and 0.5 × 200 µV: RMS √(Σ a²/2).
        let mains = channel(recording, "ZYG-R")
        #expect(abs(rms(mains[...]) / (200 * ((1 + 0.09 + 0.25) / 2).squareRoot()) - 1) < 0.001)
        let (frequency, power) = welch(mains[...], rate: 2000)
        var atHarmonics = 0.0
        for (f, w) in zip(frequency, power) where [50.0, 100, 150].contains(where: { abs(f - $0) <= 8 }) { atHarmonics += w }
        #expect(atHarmonics / power.reduce(0, +) > 0.999)
        // Motion spikes peak at 800 µV one time constant after their start, on a resting channel.
        let spiky = channel(recording, "OOr-L")
        for start in [0.5, 1.25] {
            let peak = Int(((start + SynkinesisSimulation.motionSpikeTimeConstant) * 2000).rounded())
            #expect(abs(spiky[peak] - 800) < 20, "spike at \(start) s reads \(spiky[peak]) µV")
        }
        #expect(abs(spiky[Int(0.45 * 2000)]) < 20)
        // The untouched channel has none of it.
        #expect(channel(recording, "OOr-R").allSatisfy { $0.isFinite && abs($0) < 100 })
    }

    @Test("the ground truth round-trips through JSON with snake_case keys")
    func groundTruthJSON() throws {
        var p = SynkinesisSimulation.patientLeftSession2
        p.tasks = [ExpressionTask(name: "eye_closure", drivers: [.OOc], repetitions: 2, contractionSeconds: 2, restSeconds: 1)]
        p.artefacts = [.nanGap("OOr-L", from: 1, to: 1.1)]
        let seed: UInt64 = 0xFFFF_FFFF_FFFF_FFF1
        let truth = try SynkinesisSimulation.simulate(p, seed: seed).truth
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(truth)
        let decoded = try JSONDecoder().decode(SynkinesisGroundTruth.self, from: data)
        #expect(decoded == truth)
        #expect(decoded.seed == seed)
        let text = String(decoding: data, as: UTF8.self)
        for key in ["\"lag_ms\"", "\"prolonged_ms\"", "\"expected_rms_uv\"", "\"onset_s\"", "\"amplitude_ratios\"", "\"sample_rate_hz\"", "\"spectral_peak_hz\"", "\"first_sample\""] {
            #expect(text.contains(key), "missing key \(key)")
        }
        #expect(try encoder.encode(decoded) == data)
    }

    @Test("parameter JSON may leave out any key; omitted keys take the defaults")
    func lenientParameters() throws {
        let json = """
            {"affected_side": "right", "sample_rate_hz": 4000,
             "tasks": [{"name": "eye_closure", "drivers": ["OOc"], "repetitions": 2}],
             "couplings": [{"driver": "OOc", "follower": "OOr", "gain": 0.4, "lag_ms": 30}],
             "muscles": [{"muscle": "OOc", "plateau_rms_uv": 100}, {"muscle": "OOr"}]}
            """
        let parsed = try SynkinesisSimulation.fromJSON(Data(json.utf8))
        let expected = SynkinesisSimulation(
            sampleRate: 4000,
            muscles: [
                MuscleSignal(muscle: .OOc, spectralPeakHz: 95, plateauRMSMicrovolts: 100, baselineNoiseMicrovolts: 3),
                MuscleSignal(muscle: .OOr, spectralPeakHz: 105, plateauRMSMicrovolts: 200, baselineNoiseMicrovolts: 3.5),
            ],
            tasks: [ExpressionTask(name: "eye_closure", drivers: [.OOc], repetitions: 2)],
            affectedSide: .right,
            couplings: [SynkineticCoupling(driver: .OOc, follower: .OOr, gain: 0.4, mirrorGain: 0.08, lagMilliseconds: 30)])
        #expect(parsed == expected)
        // Full parameters survive a round trip; the presets are reachable by name.
        let full = try JSONEncoder().encode(SynkinesisSimulation.patientLeftSession1)
        #expect(try SynkinesisSimulation.fromJSON(full) == .patientLeftSession1)
        #expect(SynkinesisSimulation.presetNames.compactMap(SynkinesisSimulation.preset(named:)) ==
                [.patientLeftSession1, .patientLeftSession2, .healthyControl])
        // Broken or invalid files are input errors.
        #expect(throws: SynkError.self) { try SynkinesisSimulation.fromJSON(Data("{\"tasks\": 3}".utf8)) }
        #expect(throws: SynkError.self) { try SynkinesisSimulation.fromJSON(Data("{\"sample_rate_hz\": -1}".utf8)) }
    }

    @Test("invalid parameters are refused with a usage error naming them")
    func validation() {
        var p = SynkinesisSimulation()
        p.sampleRate = 0
        #expect(throws: SynkError.self) { try SynkinesisSimulation.simulate(p, seed: 1) }
        p = SynkinesisSimulation(artefacts: [.flat("XYZ-L")])
        do {
            _ = try SynkinesisSimulation.simulate(p, seed: 1)
            Issue.record("an artefact on a missing channel was accepted")
        } catch {
            #expect(error.kind == .usage && error.problem.contains("XYZ-L"))
        }
        p = SynkinesisSimulation(muscles: [MuscleSignal(muscle: .OOc, spectralPeakHz: 1500, plateauRMSMicrovolts: 100)], tasks: [])
        #expect(throws: SynkError.self) { try SynkinesisSimulation.simulate(p, seed: 1) }
        p = SynkinesisSimulation(tasks: [ExpressionTask(name: "chew", drivers: [.MAS])])
        #expect(throws: SynkError.self) { try SynkinesisSimulation.simulate(p, seed: 1) }
        // 1000 × 60 s × 14 channels × 2 kHz ≈ 1.7e9 samples: refused before anything is allocated.
        p = SynkinesisSimulation(tasks: [ExpressionTask(name: "smile", drivers: [.ZYG], repetitions: 1000, contractionSeconds: 30, restSeconds: 30)])
        #expect(throws: SynkError.self) { try SynkinesisSimulation.simulate(p, seed: 1) }
    }

    @Test("crosstalk through the volume conductor's low-pass: the receiving channel's RMS and its band-limited RMS equal the truth within 3 %; a zero-phase copy has no delay, a causal one trails",
          arguments: [false, true])
    func lowPassedCrosstalk(zeroPhase: Bool) throws {
        // OOr active alone in pucker; MEN (never active) picks up 15 % of it through a 60 Hz second-order low-pass.
        let lowPass = VolumeConductorLowPass(cutoffHz: 60, order: 2, zeroPhase: zeroPhase ? true : nil)
        let p = SynkinesisSimulation(
            muscles: [MuscleSignal(muscle: .OOr, spectralPeakHz: 100, plateauRMSMicrovolts: 200, baselineNoiseMicrovolts: 2),
                      MuscleSignal(muscle: .MEN, spectralPeakHz: 80, plateauRMSMicrovolts: 150, baselineNoiseMicrovolts: 2)],
            tasks: [ExpressionTask(name: "pucker", drivers: [.OOr], repetitions: 8, contractionSeconds: 5, restSeconds: 2)],
            crosstalk: [Crosstalk(source: .OOr, into: .MEN, fraction: 0.15, lowPass: lowPass)],
            mains: MainsInterference(amplitudeMicrovolts: 0))
        let (recording, truth) = try SynkinesisSimulation.simulate(p, seed: 31)
        let windows = events(recording, "pucker")
        let men = channel(recording, "MEN-L"), oor = channel(recording, "OOr-L")
        let measured = meanSquare(men, rate: 2000, windows: windows).squareRoot()
        let expected = try #require(truth.expectedRMS(task: "pucker", muscle: .MEN, side: .left))
        #expect(abs(measured / expected - 1) < 0.03, "MEN-L \(measured) vs \(expected)")
        // The low-pass passes a fraction of the carrier's power: the leak is well below 15 % of OOr's RMS.
        let leak = try #require(truth.taskActivity.first { $0.task == "pucker" && $0.muscle == .MEN && $0.side == .left }?.crosstalkMeanSquares["OOr"])
        let oorMuscle = try #require(truth.taskActivity.first { $0.task == "pucker" && $0.muscle == .OOr && $0.side == .left }?.expectedMuscleRMSMicrovolts)
        #expect(leak.squareRoot() < 0.15 * oorMuscle && leak.squareRoot() > 0.02 * oorMuscle)
        // Band-limited: Welch power of MEN-L within 20-450 Hz over the task windows against the truth's band expectation.
        let bandExpected = try #require(truth.expectedRMS(task: "pucker", muscle: .MEN, side: .left, band: 20...450))
        var inBand = 0.0, all = 0.0
        for (onset, end) in windows {
            let slice = men[Int((onset * 2000).rounded(.up))..<Int((end * 2000).rounded(.up))]
            let (frequency, power) = welch(slice, rate: 2000)
            for (f, pw) in zip(frequency, power) { all += pw; if f >= 20 && f <= 450 { inBand += pw } }
        }
        #expect(abs((measured * (inBand / all).squareRoot()) / bandExpected - 1) < 0.04)
        // Delay: the cross-correlation of MEN-L with OOr-L in the task peaks at lag 0 for the zero-phase copy and at a
        // positive lag (MEN trails) for the causal one.
        let (onset, end) = windows[0]
        let a = Int((onset * 2000).rounded(.up)) + 200, b = Int((end * 2000).rounded(.up)) - 200
        func correlation(_ lag: Int) -> Double {
            var sum = 0.0
            for i in a..<b { sum += Double(men[i]) * Double(oor[i - lag]) }
            return sum
        }
        let best = (-10...10).max { correlation($0) < correlation($1) }!
        if zeroPhase { #expect(best == 0) } else { #expect(best > 0, "causal low-pass: peak at lag \(best)") }
    }

    @Test("a weaker voluntary drive scales the affected side's contractions and, through them, its followers; per-channel noise and mains replace the defaults")
    func driveScaleAndChannelNoise() throws {
        var p = SynkinesisSimulation(
            muscles: [MuscleSignal(muscle: .OOc, spectralPeakHz: 90, plateauRMSMicrovolts: 120, baselineNoiseMicrovolts: 2),
                      MuscleSignal(muscle: .OOr, spectralPeakHz: 100, plateauRMSMicrovolts: 200, baselineNoiseMicrovolts: 2)],
            tasks: [ExpressionTask(name: "eye_closure", drivers: [.OOc], repetitions: 6, contractionSeconds: 4, restSeconds: 2)],
            affectedSide: .left,
            couplings: [SynkineticCoupling(driver: .OOc, follower: .OOr, gain: 0.5, mirrorGain: 0)],
            crosstalk: [], mains: MainsInterference(amplitudeMicrovolts: 3, harmonicAmplitudes: []),
            variability: .none, affectedSideDriveScale: 0.4,
            channelNoiseMicrovolts: ["OOr-R": 5], channelMainsScale: ["OOc-R": 0])
        let (recording, truth) = try SynkinesisSimulation.simulate(p, seed: 41)
        let windows = events(recording, "eye_closure")
        for (label, expected) in [("OOc-L", 0.4 * 120.0), ("OOc-R", 120.0), ("OOr-L", 0.5 * 0.4 * 200.0)] {
            // Plateau only: 1 s into each contraction to 1 s before its end.
            let plateau = windows.map { ($0.0 + 1, $0.1 - 1) }
            let noise = label == "OOc-R" ? 2.0 : 2.0
            let mains = label == "OOc-R" ? 0.0 : 4.5
            let measured = meanSquare(channel(recording, label), rate: 2000, windows: plateau)
            let model = expected * expected + noise * noise + mains
            #expect(abs(measured / model - 1) < 0.05, "\(label): \(measured) vs \(model)")
        }
        // The follower's bursts carry gain × the weakened driver activation.
        #expect(truth.coupledBursts.filter { $0.side == .left }.allSatisfy { abs($0.activationLevel - 0.5 * 0.4) < 1e-12 })
        // Rest (the lead-in): the overridden noise of OOr-R (5 µV) plus its mains (3 µV peak: 4.5 µV²).
        let rest = meanSquare(channel(recording, "OOr-R"), rate: 2000, windows: [(0.1, 1.9)])
        #expect(abs(rest / (25 + 4.5) - 1) < 0.06, "OOr-R rest \(rest)")
        #expect(abs(try #require(truth.expectedRMS(task: "eye_closure", muscle: .OOr, side: .right)) - (25 + 4.5).squareRoot()) < 1e-9)
        // Parameters out of range are refused.
        p.affectedSideDriveScale = 1.5
        #expect(throws: SynkError.self) { try SynkinesisSimulation.simulate(p, seed: 1) }
        p.affectedSideDriveScale = 0.4
        p.channelNoiseMicrovolts = ["XYZ-L": 1]
        #expect(throws: SynkError.self) { try SynkinesisSimulation.simulate(p, seed: 1) }
    }


    @Test("stages: slots pair each muscle's left and right channel; crosstalk reaches the same side only")
    func slotLayout() {
        let p = SynkinesisSimulation(
            muscles: [MuscleSignal(muscle: .OOc, spectralPeakHz: 90, plateauRMSMicrovolts: 120),
                      MuscleSignal(muscle: .OOr, spectralPeakHz: 100, plateauRMSMicrovolts: 200)],
            crosstalk: [Crosstalk(source: .OOc, into: .OOr, fraction: 0.1), Crosstalk(source: .MEN, into: .OOr, fraction: 0.2)])
        let layout = SlotLayout(p)
        #expect(layout.slotCount == 4 && layout.slot(.OOr, .right) == 3 && layout.slot(.MEN, .left) == nil)
        #expect(layout.side(ofSlot: 2) == .left && layout.muscle(ofSlot: 3) == .OOr)
        // OOr-L (slot 2) receives from OOc-L (slot 0), OOr-R (3) from OOc-R (1); the unrecorded MEN is ignored.
        #expect(layout.crosstalkInto[2].map(\.source) == [0] && layout.crosstalkInto[3].map(\.source) == [1])
        #expect(layout.crosstalkInto[0].isEmpty && layout.crosstalkInto[2][0].fraction == 0.1)
    }

    @Test("stages: the timeline puts each repetition after the lead-in and the previous rest; activation follows the drive and the couplings")
    func timelineAndActivation() {
        let p = SynkinesisSimulation(
            sampleRate: 1000,
            muscles: [MuscleSignal(muscle: .OOc, spectralPeakHz: 90, plateauRMSMicrovolts: 120),
                      MuscleSignal(muscle: .OOr, spectralPeakHz: 100, plateauRMSMicrovolts: 200)],
            tasks: [ExpressionTask(name: "eye_closure", drivers: [.OOc], repetitions: 2, contractionSeconds: 2, restSeconds: 1)],
            leadInSeconds: 1.5, affectedSide: .right,
            couplings: [SynkineticCoupling(driver: .OOc, follower: .OOr, gain: 0.5, mirrorGain: 0.1, lagMilliseconds: 20)],
            variability: .none, affectedSideDriveScale: 0.6)
        let timeline = SimulatedTimeline(p, seed: 3)
        #expect(timeline.repetitions.map(\.onset) == [1.5, 4.5])
        #expect(timeline.repetitions.map(\.offset) == [3.5, 6.5])
        #expect(timeline.frameCount == 7_500)
        let layout = SlotLayout(p)
        let activation = SimulatedActivation(p, layout: layout, timeline: timeline, seed: 3)
        // Mid-plateau of the first repetition (2.5 s): driver 1 on the left, 0.6 on the right (affected); followers
        // 0.1 × 1 (mirror, left) and 0.5 × 0.6 (synkinetic, right).
        let i = 2_500
        #expect(abs(activation.expected[layout.slot(.OOc, .left)!][i] - 1) < 1e-12)
        #expect(abs(activation.expected[layout.slot(.OOc, .right)!][i] - 0.6) < 1e-12)
        #expect(abs(activation.expected[layout.slot(.OOr, .left)!][i] - 0.1) < 1e-12)
        #expect(abs(activation.expected[layout.slot(.OOr, .right)!][i] - 0.3) < 1e-12)
        #expect(activation.realised.map(\.synkinetic) == [false, true])
        #expect(activation.bursts.count == 4)
    }

}
