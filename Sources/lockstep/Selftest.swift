import ArgumentParser

struct Selftest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Not available yet in this build.")
    func run() async throws {
        throw ValidationError("'lockstep selftest' is not available yet in this build.")
    }
}
