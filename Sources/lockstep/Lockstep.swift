import ArgumentParser

@main
struct Lockstep: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lockstep",
        abstract: "Float, clear-quantized and TFHE-encrypted neural networks, run side by side.",
        subcommands: [
            Run.self, Verify.self, SimulateCheck.self, Export.self, Report.self,
            Params.self, Bench.self, Noise.self, Selftest.self,
            Keygen.self, Encrypt.self, Evaluate.self, Decrypt.self,
        ]
    )

    /// ArgumentParser's entry point, after the CPU check of release builds.
    static func main() async {
        CPURequirement.enforce()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
