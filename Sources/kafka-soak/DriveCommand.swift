import ArgumentParser
struct DriveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "drive")
    func run() async throws {}
}
