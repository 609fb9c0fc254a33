import Foundation
import SynkCore

/// The parameters of a simulated facial surface-EMG session with expression tasks, recorded on the
/// same muscles on both sides of the face, with known synkinetic couplings.
///
/// ## Generating model
/// Each muscle *m* on each side *s* has an **activation envelope** a₍m,s₎(t) ≥ 0, in units of the
/// muscle's own voluntary plateau (1 = the plateau of its own task at nominal effort). It is the sum of
/// - its own contractions: for every repetition of every task that lists *m* as a driver, a smooth
///   profile (raised-cosine onset ramp, plateau, raised-cosine release) scaled by the repetition's
///   effort level;
/// - co-activation: for every ``SynkineticCoupling`` D→m, each contraction profile of D (on the same
///   side) delayed by the lag, with the release stretched by the prolonged release, scaled by the
///   side's gain. Coupling is first order: a follower does not drive further followers.
///
/// Each contribution is multiplied by its command's slow **effort fluctuation** 1 + δ·g(t)
/// (``RepetitionVariability/effortFluctuationSD``): one command per (repetition, driver), shared by
/// both sides and, delayed by the lag, by every follower of that driver — co-activation is driven by
/// the same command, so coupled envelopes co-vary within a plateau. E[1 + δ·g] = 1, so the expected
/// envelope is the sum of the profiles and E[a²] = (Σ cⱼ)² + δ²·Σ cⱼ² over contributions cⱼ.
///
/// The muscle's EMG is its **own** unit-variance carrier (white Gaussian noise shaped by two band-pass
/// sections peaking at ``MuscleSignal/spectralPeakHz``) times A₍m,s₎ · a₍m,s₎(t), where A is the
/// plateau RMS (scaled by ``affectedSideAmplitudeScale`` on the affected side). Co-activation therefore
/// recruits the follower's own motor units and never copies the driver's signal.
///
/// A channel records its muscle's EMG, plus a fraction of each neighbour's EMG (``Crosstalk``, the only
/// place where one muscle's signal is copied into another channel, optionally through the low-pass of the
/// tissue between them, ``VolumeConductorLowPass``), plus white electrode noise of RMS
/// ``MuscleSignal/baselineNoiseMicrovolts`` (or the channel's entry in ``channelNoiseMicrovolts``), plus
/// mains interference (scaled per channel by ``channelMainsScale``), and finally the artefacts listed for it.
///
/// **Paresis.** ``affectedSideAmplitudeScale`` scales every EMG amplitude of the affected side (fewer or smaller
/// motor units under the electrode); ``affectedSideDriveScale`` scales the voluntary *activation* of the affected
/// side's contractions (a weaker voluntary drive), so that coupled followers, whose activation is gain × the
/// driver's activation, follow the weaker driver. All components are statistically independent, so a channel's expected mean square
/// is the sum of theirs; ``SynkinesisGroundTruth`` uses this to state expected values.
public struct SynkinesisSimulation: Codable, Sendable, Hashable {
    /// Samples per second per channel, Hz.
    public var sampleRate: Double
    /// Muscles recorded, each on both sides; channel order is muscle by muscle, left then right.
    public var muscles: [MuscleSignal]
    /// Tasks in the order performed; each task's repetitions are consecutive.
    public var tasks: [ExpressionTask]
    /// Rest before the first task, seconds.
    public var leadInSeconds: Double
    public var affectedSide: AffectedSide
    /// Voluntary plateau RMS on the affected side relative to the healthy side (residual paresis), 0...1.
    public var affectedSideAmplitudeScale: Double
    /// Driver→follower couplings: synkinetic on the affected side, mirror on the healthy side (on both
    /// sides with the mirror gain when no side is affected).
    public var couplings: [SynkineticCoupling]
    public var crosstalk: [Crosstalk]
    public var mains: MainsInterference
    public var variability: RepetitionVariability
    public var artefacts: [ChannelArtefact]
    public var subject: String?
    public var session: String?
    /// Voluntary activation of the affected side's contractions relative to the healthy side (weaker
    /// voluntary drive), 0...1; `nil` means 1. Followers of a coupling follow their driver's activation.
    public var affectedSideDriveScale: Double?
    /// Electrode-noise RMS per channel label, µV, replacing the muscle's ``MuscleSignal/baselineNoiseMicrovolts``
    /// on that channel (so the two sides may differ).
    public var channelNoiseMicrovolts: [String: Double]?
    /// Factor on the mains amplitude per channel label (1 where absent).
    public var channelMainsScale: [String: Double]?

    public init(
        sampleRate: Double = 2000,
        muscles: [MuscleSignal] = MuscleSignal.defaults,
        tasks: [ExpressionTask] = ExpressionTask.sunnybrook,
        leadInSeconds: Double = 2,
        affectedSide: AffectedSide = .none,
        affectedSideAmplitudeScale: Double = 1,
        couplings: [SynkineticCoupling] = [],
        crosstalk: [Crosstalk] = Crosstalk.neighbours(fraction: 0.05),
        mains: MainsInterference = MainsInterference(),
        variability: RepetitionVariability = RepetitionVariability(),
        artefacts: [ChannelArtefact] = [],
        subject: String? = nil,
        session: String? = nil,
        affectedSideDriveScale: Double? = nil,
        channelNoiseMicrovolts: [String: Double]? = nil,
        channelMainsScale: [String: Double]? = nil
    ) {
        self.sampleRate = sampleRate
        self.muscles = muscles
        self.tasks = tasks
        self.leadInSeconds = leadInSeconds
        self.affectedSide = affectedSide
        self.affectedSideAmplitudeScale = affectedSideAmplitudeScale
        self.couplings = couplings
        self.crosstalk = crosstalk
        self.mains = mains
        self.variability = variability
        self.artefacts = artefacts
        self.subject = subject
        self.session = session
        self.affectedSideDriveScale = affectedSideDriveScale
        self.channelNoiseMicrovolts = channelNoiseMicrovolts
        self.channelMainsScale = channelMainsScale
    }

    enum CodingKeys: String, CodingKey {
        case sampleRate = "sample_rate_hz", muscles, tasks, leadInSeconds = "lead_in_s"
        case affectedSide = "affected_side", affectedSideAmplitudeScale = "affected_side_amplitude_scale"
        case couplings, crosstalk, mains, variability, artefacts, subject, session
        case affectedSideDriveScale = "affected_side_drive_scale"
        case channelNoiseMicrovolts = "channel_noise_rms_uv", channelMainsScale = "channel_mains_scale"
    }

    /// The voluntary activation factor of `side` (``affectedSideDriveScale`` on the affected side, else 1).
    func driveScale(_ side: Side) -> Double {
        affectedSide.side == side ? (affectedSideDriveScale ?? 1) : 1
    }

    /// Channel labels in recording order (`FRO-L`, `FRO-R`, `OOc-L`, ...).
    public var channelLabels: [String] {
        muscles.flatMap { [Self.label($0.muscle, .left), Self.label($0.muscle, .right)] }
    }

    /// The label of a muscle's channel on one side, e.g. `OOc-L`.
    public static func label(_ muscle: Muscle, _ side: Side) -> String {
        "\(muscle.rawValue)-\(side == .left ? "L" : "R")"
    }
}

/// How one muscle's surface EMG looks.
public struct MuscleSignal: Codable, Sendable, Hashable {
    public var muscle: Muscle
    /// Frequency of the power-spectrum maximum, Hz (facial muscles: about 60-120 Hz).
    public var spectralPeakHz: Double
    /// Quality factor of each of the two band-pass sections (lower is broader); 1 puts most power in 20-250 Hz.
    public var spectralQuality: Double
    /// RMS at the plateau of the muscle's own task at nominal effort on the healthy side, µV.
    public var plateauRMSMicrovolts: Double
    /// RMS of the white electrode/amplifier noise on each of the muscle's channels, µV.
    public var baselineNoiseMicrovolts: Double

    public init(muscle: Muscle, spectralPeakHz: Double, spectralQuality: Double = 1, plateauRMSMicrovolts: Double, baselineNoiseMicrovolts: Double = 3) {
        self.muscle = muscle
        self.spectralPeakHz = spectralPeakHz
        self.spectralQuality = spectralQuality
        self.plateauRMSMicrovolts = plateauRMSMicrovolts
        self.baselineNoiseMicrovolts = baselineNoiseMicrovolts
    }

    enum CodingKeys: String, CodingKey {
        case muscle, spectralPeakHz = "spectral_peak_hz", spectralQuality = "spectral_quality"
        case plateauRMSMicrovolts = "plateau_rms_uv", baselineNoiseMicrovolts = "baseline_noise_rms_uv"
    }

    /// FRO, OOc, ZYG, LLS, OOr, MEN, PLA with peaks of 65-105 Hz and plateaus of 90-200 µV RMS.
    public static let defaults: [MuscleSignal] = [
        MuscleSignal(muscle: .FRO, spectralPeakHz: 70, plateauRMSMicrovolts: 150, baselineNoiseMicrovolts: 2.5),
        MuscleSignal(muscle: .OOc, spectralPeakHz: 95, plateauRMSMicrovolts: 120, baselineNoiseMicrovolts: 3),
        MuscleSignal(muscle: .ZYG, spectralPeakHz: 85, plateauRMSMicrovolts: 180, baselineNoiseMicrovolts: 3),
        MuscleSignal(muscle: .LLS, spectralPeakHz: 90, plateauRMSMicrovolts: 140, baselineNoiseMicrovolts: 3),
        MuscleSignal(muscle: .OOr, spectralPeakHz: 105, plateauRMSMicrovolts: 200, baselineNoiseMicrovolts: 3.5),
        MuscleSignal(muscle: .MEN, spectralPeakHz: 80, plateauRMSMicrovolts: 160, baselineNoiseMicrovolts: 3),
        MuscleSignal(muscle: .PLA, spectralPeakHz: 65, plateauRMSMicrovolts: 90, baselineNoiseMicrovolts: 4),
    ]
}

/// One expression task, repeated.
public struct ExpressionTask: Codable, Sendable, Hashable {
    /// Event label, e.g. `smile`.
    public var name: String
    /// Muscles the task voluntarily contracts.
    public var drivers: [Muscle]
    public var repetitions: Int
    /// Onset ramp + plateau + release of one contraction, seconds (nominal; varies per repetition).
    public var contractionSeconds: Double
    /// Rest after each contraction, seconds (nominal).
    public var restSeconds: Double
    /// Raised-cosine rise from 0 to the plateau, seconds.
    public var rampUpSeconds: Double
    /// Raised-cosine fall from the plateau to 0, seconds.
    public var releaseSeconds: Double

    public init(name: String, drivers: [Muscle], repetitions: Int = 3, contractionSeconds: Double = 3, restSeconds: Double = 3, rampUpSeconds: Double = 0.12, releaseSeconds: Double = 0.25) {
        self.name = name
        self.drivers = drivers
        self.repetitions = repetitions
        self.contractionSeconds = contractionSeconds
        self.restSeconds = restSeconds
        self.rampUpSeconds = rampUpSeconds
        self.releaseSeconds = releaseSeconds
    }

    enum CodingKeys: String, CodingKey {
        case name, drivers, repetitions, contractionSeconds = "contraction_s", restSeconds = "rest_s"
        case rampUpSeconds = "ramp_up_s", releaseSeconds = "release_s"
    }

    /// Sunnybrook's five voluntary movements: brow raise (FRO), eye closure (OOc), smile (ZYG),
    /// snarl (LLS), pucker (OOr); 3 repetitions of about 3 s with about 3 s rest.
    public static let sunnybrook: [ExpressionTask] = [
        ExpressionTask(name: "brow_raise", drivers: [.FRO]),
        ExpressionTask(name: "eye_closure", drivers: [.OOc]),
        ExpressionTask(name: "smile", drivers: [.ZYG]),
        ExpressionTask(name: "snarl", drivers: [.LLS]),
        ExpressionTask(name: "pucker", drivers: [.OOr]),
    ]
}

/// A driver→follower coupling: the follower's activation follows the driver's.
public struct SynkineticCoupling: Codable, Sendable, Hashable {
    public var driver: Muscle
    public var follower: Muscle
    /// Follower activation ÷ driver activation on the affected side (synkinesis).
    public var gain: Double
    /// The same ratio on the healthy side (physiological mirror/co-movement), usually 0.05-0.1.
    public var mirrorGain: Double
    /// Delay of the follower behind the driver, ms (both sides).
    public var lagMilliseconds: Double
    /// Extra release time of the follower on the affected side, ms (it relaxes late).
    public var prolongedReleaseMilliseconds: Double

    public init(driver: Muscle, follower: Muscle, gain: Double, mirrorGain: Double = 0.08, lagMilliseconds: Double = 20, prolongedReleaseMilliseconds: Double = 0) {
        self.driver = driver
        self.follower = follower
        self.gain = gain
        self.mirrorGain = mirrorGain
        self.lagMilliseconds = lagMilliseconds
        self.prolongedReleaseMilliseconds = prolongedReleaseMilliseconds
    }

    enum CodingKeys: String, CodingKey {
        case driver, follower, gain, mirrorGain = "mirror_gain", lagMilliseconds = "lag_ms"
        case prolongedReleaseMilliseconds = "prolonged_release_ms"
    }
}

/// A fraction of one muscle's EMG picked up by another muscle's electrodes on the same side.
public struct Crosstalk: Codable, Sendable, Hashable {
    /// The muscle whose signal leaks.
    public var source: Muscle
    /// The muscle whose channel picks it up.
    public var into: Muscle
    /// Amplitude fraction (0.05 adds 5 % of the source's EMG, 0.25 % of its power), before any low-pass.
    public var fraction: Double
    /// The tissue between the source and the electrodes acts as a low-pass filter on the leaking signal
    /// (volume conduction; Lindström & Magnusson 1977); `nil` leaks the source's EMG unfiltered.
    public var lowPass: VolumeConductorLowPass?

    public init(source: Muscle, into: Muscle, fraction: Double, lowPass: VolumeConductorLowPass? = nil) {
        self.source = source
        self.into = into
        self.fraction = fraction
        self.lowPass = lowPass
    }

    enum CodingKeys: String, CodingKey { case source, into, fraction, lowPass = "low_pass" }

    /// Anatomical neighbours (FRO–OOc, OOc–ZYG, ZYG–LLS, ZYG–OOr, LLS–OOr, OOr–MEN, MEN–PLA), both ways.
    public static func neighbours(fraction: Double) -> [Crosstalk] {
        let pairs: [(Muscle, Muscle)] = [(.FRO, .OOc), (.OOc, .ZYG), (.ZYG, .LLS), (.ZYG, .OOr), (.LLS, .OOr), (.OOr, .MEN), (.MEN, .PLA)]
        return pairs.flatMap { [Crosstalk(source: $0.0, into: $0.1, fraction: fraction), Crosstalk(source: $0.1, into: $0.0, fraction: fraction)] }
    }
}

/// A causal Butterworth low-pass (order 1 or 2, designed by the bilinear transform with pre-warping) applied to
/// a leaking signal: the volume conductor passes low frequencies better than high ones.
public struct VolumeConductorLowPass: Codable, Sendable, Hashable {
    /// −3 dB frequency, Hz.
    public var cutoffHz: Double
    /// 1 or 2.
    public var order: Int
    /// Applied forward and backward (no delay, |H|²) instead of causally; `nil` means causal.
    public var zeroPhase: Bool?

    public init(cutoffHz: Double, order: Int = 1, zeroPhase: Bool? = nil) {
        self.cutoffHz = cutoffHz
        self.order = order
        self.zeroPhase = zeroPhase
    }

    enum CodingKeys: String, CodingKey { case cutoffHz = "cutoff_hz", order, zeroPhase = "zero_phase" }
}

/// Power-line interference: a fundamental and harmonics with a random phase per channel.
public struct MainsInterference: Codable, Sendable, Hashable {
    /// 50 or 60 Hz.
    public var frequencyHz: Double
    /// Peak amplitude of the fundamental, µV (0 switches mains off).
    public var amplitudeMicrovolts: Double
    /// Peak amplitudes of the 2nd, 3rd, ... harmonics relative to the fundamental. Harmonics at or
    /// above the Nyquist frequency are left out.
    public var harmonicAmplitudes: [Double]

    public init(frequencyHz: Double = 50, amplitudeMicrovolts: Double = 1, harmonicAmplitudes: [Double] = [0.3, 0.5]) {
        self.frequencyHz = frequencyHz
        self.amplitudeMicrovolts = amplitudeMicrovolts
        self.harmonicAmplitudes = harmonicAmplitudes
    }

    enum CodingKeys: String, CodingKey {
        case frequencyHz = "frequency_hz", amplitudeMicrovolts = "amplitude_uv", harmonicAmplitudes = "harmonic_amplitudes"
    }

    /// (frequency Hz, peak amplitude µV) of every component below `nyquist`.
    func components(below nyquist: Double) -> [(frequency: Double, amplitude: Double)] {
        guard amplitudeMicrovolts > 0 else { return [] }
        let all = [(frequencyHz, amplitudeMicrovolts)] + harmonicAmplitudes.enumerated().map { (frequencyHz * Double($0.offset + 2), amplitudeMicrovolts * $0.element) }
        return all.filter { $0.0 < nyquist && $0.1 != 0 }
    }

    /// Mean square of the interference, µV² (Σ a²/2).
    func meanSquare(below nyquist: Double) -> Double {
        components(below: nyquist).reduce(0) { $0 + $1.amplitude * $1.amplitude / 2 }
    }
}

/// How much repetitions of a task differ.
public struct RepetitionVariability: Codable, Sendable, Hashable {
    /// SD of the natural log of a repetition's effort level (0.1 ≈ ±10 %).
    public var amplitudeLogSD: Double
    /// Relative SD of a contraction's duration (Gaussian, clipped to ±3 SD).
    public var durationRelativeSD: Double
    /// Rest durations vary uniformly within ± this fraction.
    public var restRelativeJitter: Double

    /// Relative SD δ of the slow effort fluctuation within a contraction: the drive is multiplied by
    /// 1 + δ·g(t), g a unit-variance process band-limited around ``effortFluctuationHz``. One command
    /// drives both sides and every follower of the driver, so the fluctuation is shared by coupled
    /// envelopes (it is what makes envelopes co-vary within a plateau) and raises E[a²] by δ²·a².
    public var effortFluctuationSD: Double
    /// Centre frequency of the effort fluctuation, Hz.
    public var effortFluctuationHz: Double

    public init(amplitudeLogSD: Double = 0.1, durationRelativeSD: Double = 0.08, restRelativeJitter: Double = 0.15,
                effortFluctuationSD: Double = 0.15, effortFluctuationHz: Double = 1.5) {
        self.amplitudeLogSD = amplitudeLogSD
        self.durationRelativeSD = durationRelativeSD
        self.restRelativeJitter = restRelativeJitter
        self.effortFluctuationSD = effortFluctuationSD
        self.effortFluctuationHz = effortFluctuationHz
    }

    enum CodingKeys: String, CodingKey {
        case amplitudeLogSD = "amplitude_log_sd", durationRelativeSD = "duration_relative_sd"
        case restRelativeJitter = "rest_relative_jitter", effortFluctuationSD = "effort_fluctuation_sd"
        case effortFluctuationHz = "effort_fluctuation_hz"
    }

    /// Every repetition exactly nominal, with a constant plateau.
    public static let none = RepetitionVariability(amplitudeLogSD: 0, durationRelativeSD: 0, restRelativeJitter: 0, effortFluctuationSD: 0)
}

/// A recording fault on one channel, applied after the signal is built.
///
/// Time ranges cover the samples *i* with `start ≤ i / rate < end`.
public struct ChannelArtefact: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable, Hashable {
        /// Electrode movement: a slow transient (rise ~20 ms, decay ~100 ms) of ``level`` µV peak at each of ``times``.
        case motionSpikes = "motion_spikes"
        /// The amplifier saturates: samples are limited to ±``level`` µV.
        case clipping
        /// The channel is constant ``level`` µV (0 by default) throughout.
        case flat
        /// The electrode is off: the channel holds only mains interference, fundamental ``level`` µV peak,
        /// harmonics in the ratios of ``MainsInterference/harmonicAmplitudes``.
        case disconnected
        /// Samples in ``start``..<``end`` are NaN (lost data).
        case nanGap = "nan_gap"
        /// The amplifier is overloaded (a large movement or stimulus) and holds its output at ``level`` µV for
        /// the samples in ``start``..<``end`` before it recovers.
        case saturation
        /// A poor or lifting electrode: white noise of ``level`` µV RMS (Gaussian, broadband up to Nyquist) is
        /// added to the whole channel.
        case extremeNoise = "extreme_noise"
    }

    /// Channel label, e.g. `OOr-L`.
    public var channel: String
    public var kind: Kind
    /// µV; meaning depends on ``kind``.
    public var level: Double
    /// Seconds (motion spikes).
    public var times: [Double]
    /// Seconds (NaN gap).
    public var start: Double
    public var end: Double

    public init(channel: String, kind: Kind, level: Double = 0, times: [Double] = [], start: Double = 0, end: Double = 0) {
        self.channel = channel
        self.kind = kind
        self.level = level
        self.times = times
        self.start = start
        self.end = end
    }

    enum CodingKeys: String, CodingKey {
        case channel, kind, level = "level_uv", times = "times_s", start = "start_s", end = "end_s"
    }

    public static func motionSpikes(_ channel: String, at times: [Double], peakMicrovolts: Double = 800) -> ChannelArtefact {
        ChannelArtefact(channel: channel, kind: .motionSpikes, level: peakMicrovolts, times: times)
    }

    public static func clipping(_ channel: String, atMicrovolts level: Double) -> ChannelArtefact {
        ChannelArtefact(channel: channel, kind: .clipping, level: level)
    }

    public static func flat(_ channel: String, valueMicrovolts: Double = 0) -> ChannelArtefact {
        ChannelArtefact(channel: channel, kind: .flat, level: valueMicrovolts)
    }

    public static func disconnected(_ channel: String, mainsMicrovolts: Double = 200) -> ChannelArtefact {
        ChannelArtefact(channel: channel, kind: .disconnected, level: mainsMicrovolts)
    }

    public static func nanGap(_ channel: String, from start: Double, to end: Double) -> ChannelArtefact {
        ChannelArtefact(channel: channel, kind: .nanGap, start: start, end: end)
    }

    public static func saturation(_ channel: String, atMicrovolts level: Double, from start: Double, to end: Double) -> ChannelArtefact {
        ChannelArtefact(channel: channel, kind: .saturation, level: level, start: start, end: end)
    }

    public static func extremeNoise(_ channel: String, rmsMicrovolts: Double = 3000) -> ChannelArtefact {
        ChannelArtefact(channel: channel, kind: .extremeNoise, level: rmsMicrovolts)
    }
}
