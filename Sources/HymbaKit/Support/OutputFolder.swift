import Foundation

/// The rule for writing into an output folder the user names: hymba-lens writes only into a
/// folder that is new, empty, or marked as its own earlier output, and it only ever replaces or
/// removes files it wrote itself — never a file it finds there.
///
/// The mark is a small JSON file, `.hymba-lens-output.json`, listing the files the last run
/// wrote (paths relative to the folder). A folder holding anything else and no mark is refused
/// unless the user passes `--force`; even then its files are kept, and a run that would
/// overwrite one of them fails before touching anything.
public enum OutputFolder {
    public static let markerName = ".hymba-lens-output.json"
    /// Hidden names hymba-lens uses while writing (staging folders, temporaries); never user files.
    static let stagingPrefix = ".hymba-lens-staging-"
    /// A corpus run's journal at the top of its output folder: hymba-lens's own file, which
    /// outlives the run that wrote it (an interrupted run is resumed from it, a shard's part is
    /// merged from it), so it is neither a user's file nor one a later run's commit removes.
    public static let journalName = ".hymba-lens-journal"

    /// What a destination holds before a run writes into it.
    public enum State: Equatable, Sendable {
        /// Nothing there yet (the folder and any missing parents are created).
        case absent
        /// An existing empty folder.
        case empty
        /// A folder holding files; `owned` are those an earlier hymba-lens run wrote (per its
        /// mark), `foreign` the others (allowed only with `force`, and kept).
        case existing(owned: [String], foreign: [String])
    }

    /// Checks that `destination` may be written before any work is done, and what it holds.
    ///
    /// - Throws: `OutputError.cannotCreate` when the path or a parent is a file, the nearest
    ///   existing parent is not writable, or the folder holds files hymba-lens did not write
    ///   and `force` is off.
    @discardableResult
    public static func check(_ destination: URL, force: Bool) throws -> State {
        let url = destination.standardizedFileURL
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            try checkCreatable(url)
            return .absent
        }
        guard isDirectory.boolValue else {
            throw OutputError.cannotCreate(path: destination.path, reason: "a file is in the way (the output is a folder)")
        }
        guard canCreateFile(in: url.path) else {
            throw OutputError.cannotCreate(path: destination.path, reason: "the folder is not writable")
        }
        let entries = try listing(of: url)
        if entries.isEmpty { return .empty }
        let mark = marker(in: url)
        let owned = Set(mark ?? [])
        let present = Set(entries)
        let foreign = entries.filter { !owned.contains($0) }
        if !foreign.isEmpty && mark == nil && !force {
            let shown = foreign.prefix(3).joined(separator: ", ") + (foreign.count > 3 ? ", … (\(foreign.count) in all)" : "")
            throw OutputError.cannotCreate(
                path: destination.path,
                reason: "the folder holds files hymba-lens did not write (\(shown)); name a new or empty folder, or pass --force to write into it (its files are kept)")
        }
        return .existing(owned: owned.filter { present.contains($0) }.sorted(), foreign: foreign)
    }

    /// The files an earlier run recorded in its mark, or nil when there is no readable mark.
    public static func marker(in folder: URL) -> [String]? {
        guard let data = try? Data(contentsOf: folder.appendingPathComponent(markerName)),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              object["tool"] as? String == "hymba-lens",
              let files = object["files"] as? [String] else { return nil }
        return files.filter(isSafeRelativePath)
    }

    /// The mark's contents for `files`.
    static func markerData(files: [String]) -> Data {
        let object: [String: Any] = ["tool": "hymba-lens", "version": HymbaKitInfo.version, "files": files.sorted()]
        return (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])) ?? Data()
    }

    /// Every regular file below `folder` as a relative path, leaving out the mark, a corpus
    /// run's journal and hymba-lens's own hidden staging folders and temporaries.
    static func listing(of folder: URL) throws -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: folder.path) else { return [] }
        var files: [String] = []
        while let relative = enumerator.nextObject() as? String {
            let name = (relative as NSString).lastPathComponent
            if relative == markerName || relative == journalName || name.hasPrefix(stagingPrefix) {
                enumerator.skipDescendants()
                continue
            }
            var isDirectory: ObjCBool = false
            FileManager.default.fileExists(atPath: folder.appendingPathComponent(relative).path, isDirectory: &isDirectory)
            if !isDirectory.boolValue { files.append(relative) }
        }
        return files.sorted()
    }

    /// A mark lists only plain paths inside the folder (a hand-edited mark must not make a run
    /// delete something outside it).
    static func isSafeRelativePath(_ path: String) -> Bool {
        !path.isEmpty && !path.hasPrefix("/") && !path.split(separator: "/").contains { $0 == ".." || $0 == "." }
    }

    /// The nearest existing ancestor of a missing path must be a writable directory (the
    /// missing folders between are created when the output is written).
    public static func checkCreatable(_ url: URL) throws {
        var ancestor = url.deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        while !FileManager.default.fileExists(atPath: ancestor.path, isDirectory: &isDirectory) {
            let parent = ancestor.deletingLastPathComponent()
            if parent.path == ancestor.path { break }
            ancestor = parent
        }
        guard isDirectory.boolValue else {
            throw OutputError.cannotCreate(path: url.path, reason: "\(ancestor.path) is a file, not a directory")
        }
        guard canCreateFile(in: ancestor.path) else {
            throw OutputError.cannotCreate(path: url.path, reason: "directory \(ancestor.path) is not writable")
        }
    }

    /// Creates and removes an empty file: the permission bits do not tell the whole story (root
    /// passes `access` everywhere, yet cannot create files in /proc or on a read-only mount).
    public static func canCreateFile(in directory: String) -> Bool {
        guard access(directory, W_OK) == 0 else { return false }
        let probe = (directory as NSString).appendingPathComponent(".hymba-lens-write-check-\(getpid())")
        let descriptor = open(probe, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else { return errno == EEXIST }
        close(descriptor)
        unlink(probe)
        return true
    }
}
