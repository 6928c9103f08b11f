import ArgumentParser

struct Noise: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Not available yet in this build.")
    func run() async throws {
        throw ValidationError("'lockstep noise' is not available yet in this build.")
    }
}
