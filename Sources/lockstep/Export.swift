import ArgumentParser

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Not available yet in this build.")
    func run() async throws {
        throw ValidationError("'lockstep export' is not available yet in this build.")
    }
}
