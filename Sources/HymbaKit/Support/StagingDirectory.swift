import Foundation

/// Builds a whole output folder (figures, tables, a report) under a hidden sibling name and
/// moves it into place only when everything was written — so a failed or interrupted run
/// leaves either the previous folder or nothing, never a half-filled one.
///
/// Write files at `url(for:)` paths: each is registered so an interrupt (Ctrl-C) removes it
/// together with the staging folder.
public final class StagingDirectory {
    public let destination: URL
    public let staging: URL
    private var finished = false
    private var created: [String] = []

    public init(destination: URL) throws {
        self.destination = destination.standardizedFileURL
        let parent = self.destination.deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: parent.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw OutputError.cannotCreate(path: destination.path, reason: "directory \(parent.path) does not exist")
        }
        guard access(parent.path, W_OK) == 0 else {
            throw OutputError.cannotCreate(path: destination.path, reason: "directory \(parent.path) is not writable")
        }
        if FileManager.default.fileExists(atPath: self.destination.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw OutputError.cannotCreate(path: destination.path, reason: "a file is in the way")
        }
        staging = parent.appendingPathComponent(".\(self.destination.lastPathComponent).partial-\(UUID().uuidString.prefix(8))")
        // Registered before it exists, so no interrupt can fall between creating and registering
        // it (the handler's rmdir of a folder not yet made is harmless).
        InterruptCleanup.shared.register(staging.path)
        do {
            try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: false)
        } catch {
            InterruptCleanup.shared.unregister(staging.path)
            throw OutputError.cannotCreate(path: destination.path, reason: error.localizedDescription)
        }
    }

    deinit {
        if !finished { abandon() }
    }

    /// Where to write `name` (may contain one level of subfolder, which is created).
    public func url(for name: String) throws -> URL {
        let url = staging.appendingPathComponent(name)
        let folder = url.deletingLastPathComponent()
        if !FileManager.default.fileExists(atPath: folder.path) {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            register(folder)
        }
        register(url)
        return url
    }

    private func register(_ url: URL) {
        created.append(url.path)
        InterruptCleanup.shared.register(url.path)
    }

    /// Moves the staging folder to the destination, replacing an existing folder there.
    public func commit() throws {
        guard !finished else { return }
        let fm = FileManager.default
        var previous: URL?
        if fm.fileExists(atPath: destination.path) {
            let aside = staging.deletingLastPathComponent()
                .appendingPathComponent(".\(destination.lastPathComponent).old-\(UUID().uuidString.prefix(8))")
            do { try fm.moveItem(at: destination, to: aside) } catch {
                abandon()
                throw OutputError.writeFailed(path: destination.path, reason: "cannot replace the existing folder: \(error.localizedDescription)")
            }
            previous = aside
        }
        do {
            try fm.moveItem(at: staging, to: destination)
        } catch {
            if let previous { try? fm.moveItem(at: previous, to: destination) }
            abandon()
            throw OutputError.writeFailed(path: destination.path, reason: error.localizedDescription)
        }
        finished = true
        unregisterAll()
        if let previous { try? fm.removeItem(at: previous) }
    }

    /// Deletes the staging folder; the destination is untouched.
    public func abandon() {
        guard !finished else { return }
        finished = true
        try? FileManager.default.removeItem(at: staging)
        unregisterAll()
    }

    private func unregisterAll() {
        for path in created.reversed() { InterruptCleanup.shared.unregister(path) }
        InterruptCleanup.shared.unregister(staging.path)
    }
}
