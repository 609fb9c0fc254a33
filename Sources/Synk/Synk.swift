// The umbrella module: `import Synk` gives a Swift program every public module of synk, from reading a recording
// to measuring it, simulating one and rendering a report. Each module can also be imported on its own.

@_exported import SynkCore
@_exported import SynkIO
@_exported import SynkDSP
@_exported import SynkAnalysis
@_exported import SynkMeasure
@_exported import SynkSim
@_exported import SynkReport
@_exported import SynkBatch
