/// The physical unit of a channel's samples.
///
/// synk keeps voltage channels in **microvolts** internally; readers convert V and mV on the way in.
/// Channels that are not voltages (a goniometer in degrees, raw ADC counts with no calibration, a
/// digital trigger) keep their own unit symbol.
public struct PhysicalUnit: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Canonical symbol: `uV`, `mV`, `V` for voltages; otherwise the symbol as the file gave it.
    public let symbol: String
    /// Multiply a value in this unit by this factor to get microvolts; `nil` when not a voltage.
    public let microvoltsPerUnit: Double?

    public static let microvolt = PhysicalUnit(symbol: "uV", microvoltsPerUnit: 1)
    public static let millivolt = PhysicalUnit(symbol: "mV", microvoltsPerUnit: 1e3)
    public static let volt = PhysicalUnit(symbol: "V", microvoltsPerUnit: 1e6)
    public static let nanovolt = PhysicalUnit(symbol: "nV", microvoltsPerUnit: 1e-3)
    /// Uncalibrated converter counts.
    public static let counts = PhysicalUnit(symbol: "counts", microvoltsPerUnit: nil)
    /// No unit given (dimensionless or unknown).
    public static let unknown = PhysicalUnit(symbol: "", microvoltsPerUnit: nil)

    public init(symbol: String, microvoltsPerUnit: Double?) {
        self.symbol = symbol
        self.microvoltsPerUnit = microvoltsPerUnit
    }

    /// Parses the unit spellings met in files: `uV`, `µV`, `μV`, `microvolts`, `mV`, `millivolts`, `V`,
    /// `volts`, `nV`; `unknown`, `n/a`, `none` and the empty text are ``unknown``. Anything else is kept verbatim as a
    /// non-voltage unit.
    public init(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let key = trimmed.lowercased()
            .replacingOccurrences(of: "µ", with: "u")
            .replacingOccurrences(of: "μ", with: "u")
        switch key {
        case "uv", "microvolt", "microvolts", "micro volts": self = .microvolt
        case "mv", "millivolt", "millivolts", "milli volts": self = .millivolt
        case "v", "volt", "volts": self = .volt
        case "nv", "nanovolt", "nanovolts": self = .nanovolt
        case "counts", "adc", "raw", "count": self = .counts
        // Written where no unit was stated (synk's HDF5 channel table, BIDS `n/a`): no unit, not a unit named so.
        case "", "unknown", "n/a", "none": self = .unknown
        default: self = PhysicalUnit(symbol: trimmed, microvoltsPerUnit: nil)
        }
    }

    /// Whether values in this unit are electrical potentials.
    public var isVoltage: Bool { microvoltsPerUnit != nil }

    public var description: String { symbol.isEmpty ? "(no unit)" : symbol }
}
