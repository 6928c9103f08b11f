import ArgumentParser

@main
struct Lockstep: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lockstep",
        abstract: "Float, clear-quantized and TFHE-encrypted neural networks, run side by side.",
        subcommands: [
            Run.self, Verify.self, Export.self, Report.self,
            Params.self, Bench.self, Noise.self, Selftest.self,
        ]
    )
}
