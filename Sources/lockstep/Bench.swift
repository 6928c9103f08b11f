import ArgumentParser

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Not available yet in this build.")
    func run() async throws {
        throw ValidationError("'lockstep bench' is not available yet in this build.")
    }
}
