import Foundation
import SynkCore

// Parameter files written by hand name only what differs from the defaults: every key may be left
// out and then takes the value the memberwise initialiser would give it.

extension KeyedDecodingContainer {
    fileprivate func value<T: Decodable>(_ key: Key, or fallback: @autoclosure () -> T) throws -> T {
        try decodeIfPresent(T.self, forKey: key) ?? fallback()
    }
}

extension SynkinesisSimulation {
    public init(from decoder: any Decoder) throws {
        let d = SynkinesisSimulation()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            sampleRate: try c.value(.sampleRate, or: d.sampleRate),
            muscles: try c.value(.muscles, or: d.muscles),
            tasks: try c.value(.tasks, or: d.tasks),
            leadInSeconds: try c.value(.leadInSeconds, or: d.leadInSeconds),
            affectedSide: try c.value(.affectedSide, or: d.affectedSide),
            affectedSideAmplitudeScale: try c.value(.affectedSideAmplitudeScale, or: d.affectedSideAmplitudeScale),
            couplings: try c.value(.couplings, or: d.couplings),
            crosstalk: try c.value(.crosstalk, or: d.crosstalk),
            mains: try c.value(.mains, or: d.mains),
            variability: try c.value(.variability, or: d.variability),
            artefacts: try c.value(.artefacts, or: d.artefacts),
            subject: try c.decodeIfPresent(String.self, forKey: .subject),
            session: try c.decodeIfPresent(String.self, forKey: .session),
            affectedSideDriveScale: try c.decodeIfPresent(Double.self, forKey: .affectedSideDriveScale),
            channelNoiseMicrovolts: try c.decodeIfPresent([String: Double].self, forKey: .channelNoiseMicrovolts),
            channelMainsScale: try c.decodeIfPresent([String: Double].self, forKey: .channelMainsScale))
    }

    /// Names accepted by ``preset(named:)``.
    public static let presetNames = ["patient-left-session1", "patient-left-session2", "healthy-control"]

    /// ``patientLeftSession1``, ``patientLeftSession2`` or ``healthyControl`` by the names in ``presetNames``.
    public static func preset(named name: String) -> SynkinesisSimulation? {
        switch name.lowercased() {
        case "patient-left-session1": patientLeftSession1
        case "patient-left-session2": patientLeftSession2
        case "healthy-control": healthyControl
        default: nil
        }
    }

    /// Reads parameters from JSON (snake_case keys; any key may be omitted and takes its default) and validates them.
    public static func fromJSON(_ data: Data, file: String? = nil) throws(SynkError) -> SynkinesisSimulation {
        let parameters: SynkinesisSimulation
        do {
            parameters = try JSONDecoder().decode(SynkinesisSimulation.self, from: data)
        } catch {
            throw .input(file, "not valid simulation parameters: \(error)")
        }
        try parameters.validate()
        return parameters
    }
}

extension SynkinesisGroundTruth {
    /// Pretty-printed JSON with sorted keys, so equal truths give equal bytes.
    public func jsonData() throws(SynkError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            return try encoder.encode(self)
        } catch {
            throw SynkError(.output, "could not encode the ground truth: \(error)")
        }
    }
}

extension MuscleSignal {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let muscle = try c.decode(Muscle.self, forKey: .muscle)
        let d = MuscleSignal.defaults.first { $0.muscle == muscle } ?? MuscleSignal(muscle: muscle, spectralPeakHz: 90, plateauRMSMicrovolts: 150)
        self.init(
            muscle: muscle,
            spectralPeakHz: try c.value(.spectralPeakHz, or: d.spectralPeakHz),
            spectralQuality: try c.value(.spectralQuality, or: d.spectralQuality),
            plateauRMSMicrovolts: try c.value(.plateauRMSMicrovolts, or: d.plateauRMSMicrovolts),
            baselineNoiseMicrovolts: try c.value(.baselineNoiseMicrovolts, or: d.baselineNoiseMicrovolts))
    }
}

extension ExpressionTask {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let name = try c.decode(String.self, forKey: .name)
        let d = ExpressionTask(name: name, drivers: [])
        self.init(
            name: name,
            drivers: try c.decode([Muscle].self, forKey: .drivers),
            repetitions: try c.value(.repetitions, or: d.repetitions),
            contractionSeconds: try c.value(.contractionSeconds, or: d.contractionSeconds),
            restSeconds: try c.value(.restSeconds, or: d.restSeconds),
            rampUpSeconds: try c.value(.rampUpSeconds, or: d.rampUpSeconds),
            releaseSeconds: try c.value(.releaseSeconds, or: d.releaseSeconds))
    }
}

extension SynkineticCoupling {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = SynkineticCoupling(driver: .OOc, follower: .OOr, gain: 0)
        self.init(
            driver: try c.decode(Muscle.self, forKey: .driver),
            follower: try c.decode(Muscle.self, forKey: .follower),
            gain: try c.decode(Double.self, forKey: .gain),
            mirrorGain: try c.value(.mirrorGain, or: d.mirrorGain),
            lagMilliseconds: try c.value(.lagMilliseconds, or: d.lagMilliseconds),
            prolongedReleaseMilliseconds: try c.value(.prolongedReleaseMilliseconds, or: d.prolongedReleaseMilliseconds))
    }
}

extension MainsInterference {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = MainsInterference()
        self.init(
            frequencyHz: try c.value(.frequencyHz, or: d.frequencyHz),
            amplitudeMicrovolts: try c.value(.amplitudeMicrovolts, or: d.amplitudeMicrovolts),
            harmonicAmplitudes: try c.value(.harmonicAmplitudes, or: d.harmonicAmplitudes))
    }
}

extension RepetitionVariability {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = RepetitionVariability()
        self.init(
            amplitudeLogSD: try c.value(.amplitudeLogSD, or: d.amplitudeLogSD),
            durationRelativeSD: try c.value(.durationRelativeSD, or: d.durationRelativeSD),
            restRelativeJitter: try c.value(.restRelativeJitter, or: d.restRelativeJitter),
            effortFluctuationSD: try c.value(.effortFluctuationSD, or: d.effortFluctuationSD),
            effortFluctuationHz: try c.value(.effortFluctuationHz, or: d.effortFluctuationHz))
    }
}

extension ChannelArtefact {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            channel: try c.decode(String.self, forKey: .channel),
            kind: try c.decode(Kind.self, forKey: .kind),
            level: try c.value(.level, or: 0),
            times: try c.value(.times, or: []),
            start: try c.value(.start, or: 0),
            end: try c.value(.end, or: 0))
    }
}
