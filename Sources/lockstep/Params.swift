import ArgumentParser

struct Params: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Not available yet in this build.")
    func run() async throws {
        throw ValidationError("'lockstep params' is not available yet in this build.")
    }
}
