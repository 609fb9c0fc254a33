/// The documented size limits of everything synk reads besides the samples themselves.
///
/// Each is checked before the work it would make expensive (a header before any channel is allocated, a
/// file's size before it is read), and exceeding one is an input error (exit 3) naming the file and the
/// limit. The limits are far above any real study: a facial nerve-conduction study delivers tens to a few
/// hundred stimuli, a synkinesis session tens of task repetitions, and high-density surface-EMG grids have
/// up to 256 electrodes.
public enum InputLimits {
    /// Channels of one recording (every reader, checked from the header before sample buffers exist).
    public static let maximumChannels = 1024
    /// Rows of a stimuli table (`--stimuli`, the batch manifest's `stimuli`).
    public static let maximumStimuli = 10_000
    /// Rows of an events table (`--events`, `*_events.tsv`).
    public static let maximumEvents = 100_000
    /// Bytes of one table file: events, stimuli, `*_channels.tsv` (16 MiB).
    public static let maximumTableBytes = 16 << 20
    /// Bytes (UTF-8) of one cell of such a table, or of one field of a manifest.
    public static let maximumCellBytes = 4096
    /// Bytes of one JSON document: montage, normative table, `*_emg.json`, simulation parameters (4 MiB).
    public static let maximumJSONBytes = 4 << 20
    /// Rows of a batch manifest.
    public static let maximumManifestRows = 100_000
    /// Bytes of a batch manifest (32 MiB).
    public static let maximumManifestBytes = 32 << 20
}
