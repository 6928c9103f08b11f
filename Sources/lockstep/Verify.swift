import ArgumentParser

struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Not available yet in this build.")
    func run() async throws {
        throw ValidationError("'lockstep verify' is not available yet in this build.")
    }
}
