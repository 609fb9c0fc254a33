import SynkCore

extension SynkinesisSimulation {
    /// The synkinetic pairs every preset uses (ocular→oral, oral→ocular, ocular→platysma).
    private static func patientCouplings(gainScale: Double, prolongedScale: Double) -> [SynkineticCoupling] {
        [
            SynkineticCoupling(driver: .OOc, follower: .OOr, gain: 0.55 * gainScale, lagMilliseconds: 25, prolongedReleaseMilliseconds: 180 * prolongedScale),
            SynkineticCoupling(driver: .OOc, follower: .ZYG, gain: 0.45 * gainScale, lagMilliseconds: 15, prolongedReleaseMilliseconds: 120 * prolongedScale),
            SynkineticCoupling(driver: .ZYG, follower: .OOc, gain: 0.40 * gainScale, lagMilliseconds: 30, prolongedReleaseMilliseconds: 100 * prolongedScale),
            SynkineticCoupling(driver: .OOr, follower: .OOc, gain: 0.50 * gainScale, lagMilliseconds: 35, prolongedReleaseMilliseconds: 150 * prolongedScale),
            SynkineticCoupling(driver: .OOc, follower: .PLA, gain: 0.30 * gainScale, lagMilliseconds: 40, prolongedReleaseMilliseconds: 100 * prolongedScale),
        ]
    }

    /// A patient with left-sided synkinesis at the first session: strong ocular→oral (OOc→OOr 0.55,
    /// OOc→ZYG 0.45, OOc→PLA 0.30) and oral→ocular (ZYG→OOc 0.40, OOr→OOc 0.50) couplings with lags of
    /// 15-40 ms and releases prolonged by 100-180 ms; mirror gain 0.08 on the right; voluntary
    /// amplitude on the left 75 % of the right. Five Sunnybrook tasks × 3 repetitions, about 92 s.
    public static let patientLeftSession1 = SynkinesisSimulation(
        affectedSide: .left, affectedSideAmplitudeScale: 0.75,
        couplings: patientCouplings(gainScale: 1, prolongedScale: 1),
        subject: "SIM-P01", session: "1"
    )

    /// The same patient months later, after rehabilitation: couplings at 45 % of session 1, releases
    /// prolonged half as much, voluntary amplitude on the left 90 % of the right.
    public static let patientLeftSession2 = SynkinesisSimulation(
        affectedSide: .left, affectedSideAmplitudeScale: 0.9,
        couplings: patientCouplings(gainScale: 0.45, prolongedScale: 0.5),
        subject: "SIM-P01", session: "2"
    )

    /// A healthy control: no synkinesis, only the physiological mirror co-activation (gain 0.06) of the
    /// same pairs on both sides (most healthy people show some, so the healthy side is never silent).
    public static let healthyControl = SynkinesisSimulation(
        affectedSide: .none,
        couplings: patientCouplings(gainScale: 1, prolongedScale: 0).map {
            var mirror = $0
            mirror.gain = 0.06
            mirror.mirrorGain = 0.06
            return mirror
        },
        subject: "SIM-C01", session: "1"
    )
}
