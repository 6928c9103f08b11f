import ArgumentParser

struct Report: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Not available yet in this build.")
    func run() async throws {
        throw ValidationError("'lockstep report' is not available yet in this build.")
    }
}
