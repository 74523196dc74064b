import Foundation

/// Builds a whole output folder (figures, tables, a report) out of sight and puts it in place
/// only when everything was written, following `OutputFolder`'s rule: a failed or interrupted
/// run changes nothing, and no file hymba-lens did not write is ever replaced or removed.
///
/// - A new folder is built under a hidden sibling name and renamed into place in one step
///   (missing parents are created, and removed again if the run fails).
/// - An existing folder (empty, marked as an earlier run's output, or any folder with `force`)
///   gets a hidden staging folder inside it. On commit each staged file is renamed over its
///   destination (atomic per file), files the earlier run wrote and this one did not are
///   removed, and the mark is rewritten. The mark is first widened to old ∪ new files, so a
///   commit cut short still leaves a folder whose mark names everything hymba-lens may own.
///
/// Write files at `url(for:)` paths: each is registered so an interrupt (Ctrl-C) removes it
/// together with the staging folder.
public final class StagingDirectory {
    public let destination: URL
    public let staging: URL
    private let force: Bool
    private let buildsNewFolder: Bool
    /// Parents of a new destination that this run created (removed on abandon, deepest first).
    private var createdParents: [URL] = []
    private var finished = false
    private var created: [String] = []
    /// Files written so far, relative to the folder, in writing order.
    private var files: [String] = []

    /// - Parameter force: write into a folder holding files hymba-lens did not write (they are kept).
    public init(destination: URL, force: Bool = false) throws {
        self.destination = destination.standardizedFileURL
        self.force = force
        let state = try OutputFolder.check(self.destination, force: force)
        let fm = FileManager.default
        buildsNewFolder = state == .absent
        let tag = UUID().uuidString.prefix(8)
        if buildsNewFolder {
            let parent = self.destination.deletingLastPathComponent()
            createdParents = Self.missingAncestors(of: parent)
            do {
                try fm.createDirectory(at: parent, withIntermediateDirectories: true)
            } catch {
                throw OutputError.cannotCreate(path: destination.path, reason: error.localizedDescription)
            }
            staging = parent.appendingPathComponent(".\(self.destination.lastPathComponent)\(OutputFolder.stagingPrefix)\(tag)")
        } else {
            staging = self.destination.appendingPathComponent("\(OutputFolder.stagingPrefix)\(tag)")
        }
        // Registered before it exists, so no interrupt can fall between creating and registering
        // it (the handler's rmdir of a folder not yet made is harmless).
        InterruptCleanup.shared.register(staging.path)
        do {
            try fm.createDirectory(at: staging, withIntermediateDirectories: false)
        } catch {
            InterruptCleanup.shared.unregister(staging.path)
            removeCreatedParents()
            throw OutputError.cannotCreate(path: destination.path, reason: error.localizedDescription)
        }
    }

    deinit {
        if !finished { abandon() }
    }

    /// Where to write `name` (may contain subfolders, which are created).
    public func url(for name: String) throws -> URL {
        guard OutputFolder.isSafeRelativePath(name) else {
            throw OutputError.cannotCreate(path: name, reason: "not a path inside the output folder")
        }
        let url = staging.appendingPathComponent(name)
        var folder = url.deletingLastPathComponent()
        var missing: [URL] = []
        while folder.path != staging.path && !FileManager.default.fileExists(atPath: folder.path) {
            missing.append(folder)
            folder = folder.deletingLastPathComponent()
        }
        if !missing.isEmpty {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            for folder in missing.reversed() { register(folder) }
        }
        register(url)
        if !files.contains(name) { files.append(name) }
        return url
    }

    private func register(_ url: URL) {
        created.append(url.path)
        InterruptCleanup.shared.register(url.path)
    }

    /// Puts the written files in place (see the type's description).
    ///
    /// - Throws: `OutputError` when the folder changed under the run so that it may no longer
    ///   be written, or a written file would replace one hymba-lens did not write; nothing in
    ///   the destination has changed then.
    public func commit() throws {
        guard !finished else { return }
        let written = files.filter { FileManager.default.fileExists(atPath: staging.appendingPathComponent($0).path) }
        do {
            if buildsNewFolder {
                try AtomicFileWriter.write(OutputFolder.markerData(files: written), to: staging.appendingPathComponent(OutputFolder.markerName))
                try moveIntoPlace()
            } else {
                try mergeIntoPlace(written)
            }
        } catch {
            abandon()
            throw error
        }
        finished = true
        unregisterAll()
    }

    private func moveIntoPlace() throws {
        if rename(staging.path, destination.path) != 0 {
            throw OutputError.writeFailed(path: destination.path, reason: "\(String(cString: strerror(errno))) (did another program create it meanwhile?)")
        }
    }

    private func mergeIntoPlace(_ written: [String]) throws {
        let fm = FileManager.default
        let state = try OutputFolder.check(destination, force: force)
        let owned: Set<String>
        if case .existing(let ownedFiles, _) = state { owned = Set(ownedFiles) } else { owned = [] }
        for name in written {
            var isDirectory: ObjCBool = false
            let target = destination.appendingPathComponent(name)
            if fm.fileExists(atPath: target.path, isDirectory: &isDirectory), isDirectory.boolValue || !owned.contains(name) {
                throw OutputError.cannotCreate(
                    path: target.path,
                    reason: "hymba-lens did not write this \(isDirectory.boolValue ? "folder" : "file") and keeps it; move it away or choose another output folder")
            }
        }
        let markerURL = destination.appendingPathComponent(OutputFolder.markerName)
        try AtomicFileWriter.write(OutputFolder.markerData(files: Array(owned.union(written))), to: markerURL)
        for name in written {
            let target = destination.appendingPathComponent(name)
            try fm.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            if rename(staging.appendingPathComponent(name).path, target.path) != 0 {
                throw OutputError.writeFailed(path: target.path, reason: String(cString: strerror(errno)))
            }
        }
        let kept = Set(written)
        for name in owned.subtracting(kept).sorted() {
            let target = destination.appendingPathComponent(name)
            unlink(target.path)
            removeEmptyFolders(from: target.deletingLastPathComponent())
        }
        try AtomicFileWriter.write(OutputFolder.markerData(files: written), to: markerURL)
        try? fm.removeItem(at: staging)
    }

    /// Removes `folder` and its parents while they are empty, stopping at the destination.
    private func removeEmptyFolders(from folder: URL) {
        var folder = folder.standardizedFileURL
        while folder.path.hasPrefix(destination.path + "/"), rmdir(folder.path) == 0 {
            folder = folder.deletingLastPathComponent()
        }
    }

    /// Deletes the staging folder (and parents this run created); the destination is untouched.
    public func abandon() {
        guard !finished else { return }
        finished = true
        try? FileManager.default.removeItem(at: staging)
        removeCreatedParents()
        unregisterAll()
    }

    private func removeCreatedParents() {
        for folder in createdParents { rmdir(folder.path) }
    }

    /// The ancestors of `url` (itself included) that do not exist yet, deepest first.
    private static func missingAncestors(of url: URL) -> [URL] {
        var missing: [URL] = []
        var folder = url.standardizedFileURL
        while !FileManager.default.fileExists(atPath: folder.path) {
            missing.append(folder)
            let parent = folder.deletingLastPathComponent()
            if parent.path == folder.path { break }
            folder = parent
        }
        return missing
    }

    private func unregisterAll() {
        for path in created.reversed() { InterruptCleanup.shared.unregister(path) }
        InterruptCleanup.shared.unregister(staging.path)
    }
}
