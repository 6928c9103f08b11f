import ArgumentParser

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Not available yet in this build.")
    func run() async throws {
        throw ValidationError("'lockstep run' is not available yet in this build.")
    }
}
