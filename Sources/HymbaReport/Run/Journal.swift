import Foundation
import HymbaAnalysis
import HymbaKit

/// The append-only journal of a corpus run, `DIR/.hymba-lens-journal`: the run's identity, then
/// one record per completed passage carrying every analysis's partial state for that passage.
///
/// ```
/// file    = "hymba-lens journal 1\n" record*
/// record  = length:u32le  kind:u8  payload[length]  crc32(kind ‖ payload):u32le
/// kind 1  = the header, JSON (`RunHeader`), always the first record
/// kind 2  = a passage (`PassageRecord`, binary `PartialStateEncoder` bytes)
/// ```
/// Each record goes out in one `write` and is followed by `fsync`, so a crash or SIGKILL at any
/// moment leaves whole records plus at most one torn or damaged last record; reading drops that
/// one (the passage is redone) and refuses damage anywhere else. An exclusive `flock` keeps two
/// runs from appending to one journal.
///
/// Why a file of checksummed records rather than SQLite: the journal is written once per
/// passage and read front to back, exactly the shape of an append-only log; fsync per record
/// gives the same durability a single-writer SQLite transaction would; and it costs no
/// dependency (GRDB and SQLite would add a C library to build in CI and to every cluster node),
/// while the format stays small enough to describe in ten lines (docs/cluster.md) and to read
/// from Python.
final class Journal {
    static let fileName = OutputFolder.journalName
    static let magic = Array("hymba-lens journal 1\n".utf8)

    enum Kind: UInt8 {
        case header = 1
        case passage = 2
    }

    let url: URL
    let header: RunHeader
    private let descriptor: Int32
    private(set) var records: [PassageRecord]

    /// What a journal file holds, read without changing it.
    struct Contents {
        let header: RunHeader
        let records: [PassageRecord]
        /// Bytes of whole, valid records (the file is cut here before appending).
        let validLength: Int
        /// Why the tail after `validLength` was dropped (a torn or damaged last record), if it was.
        let droppedTail: String?
    }

    private init(url: URL, header: RunHeader, descriptor: Int32, records: [PassageRecord]) {
        self.url = url
        self.header = header
        self.descriptor = descriptor
        self.records = records
    }

    deinit { close(descriptor) }

    /// Creates a new journal holding only `header`, made durable before it is used: written
    /// under a temporary name, synced, renamed into place, then the folder synced.
    static func create(at url: URL, header: RunHeader) throws -> Journal {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = try encoder.encode(header)
        try AtomicFileWriter.write(Data(magic + frame(.header, Array(json))), to: url)
        syncFolder(url.deletingLastPathComponent())
        return try openForAppending(url, header: header, records: [], validLength: nil)
    }

    /// Opens an existing journal to continue it: reads it, cuts a torn or damaged last record,
    /// and locks it.
    static func resume(at url: URL) throws -> (journal: Journal, droppedTail: String?) {
        let contents = try read(url)
        let journal = try openForAppending(url, header: contents.header, records: contents.records,
                                           validLength: contents.droppedTail == nil ? nil : contents.validLength)
        return (journal, contents.droppedTail)
    }

    private static func openForAppending(_ url: URL, header: RunHeader, records: [PassageRecord], validLength: Int?) throws -> Journal {
        let fd = open(url.path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard fd >= 0 else { throw ReportError("cannot open \(url.path) to continue it: \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw ReportError("\(url.deletingLastPathComponent().path) is being written by another hymba-lens run right now (its journal is locked); wait for it to finish or stop it")
        }
        if let validLength {
            guard ftruncate(fd, off_t(validLength)) == 0, fsync(fd) == 0 else {
                close(fd)
                throw ReportError("cannot cut the damaged end off \(url.path): \(String(cString: strerror(errno)))")
            }
        }
        return Journal(url: url, header: header, descriptor: fd, records: records)
    }

    /// Removes a journal (readable or not) unless another run holds its lock.
    static func discard(at url: URL) throws {
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ReportError("cannot open \(url.path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            throw ReportError("\(url.deletingLastPathComponent().path) is being written by another hymba-lens run right now (its journal is locked); wait for it to finish or stop it")
        }
        guard unlink(url.path) == 0 else { throw ReportError("cannot remove \(url.path): \(String(cString: strerror(errno)))") }
    }

    /// Appends one passage durably.
    func append(_ record: PassageRecord) throws {
        let bytes = Self.frame(.passage, record.encoded())
        var written = 0
        try bytes.withUnsafeBytes { raw in
            while written < raw.count {
                let n = write(descriptor, raw.baseAddress! + written, raw.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw ReportError("cannot append to \(url.path): \(String(cString: strerror(errno)))")
                }
                written += n
            }
        }
        guard fsync(descriptor) == 0 else { throw ReportError("cannot sync \(url.path): \(String(cString: strerror(errno)))") }
        records.append(record)
    }

    /// One record: length, kind, payload, checksum.
    static func frame(_ kind: Kind, _ payload: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(payload.count + 9)
        out += littleEndian(UInt32(payload.count))
        out.append(kind.rawValue)
        out += payload
        out += littleEndian(CRC32.checksum(payload, initial: CRC32.checksum([kind.rawValue])))
        return out
    }

    private static func littleEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value & 0xff), UInt8((value >> 8) & 0xff), UInt8((value >> 16) & 0xff), UInt8(value >> 24)]
    }

    /// Reads a journal without changing it.
    ///
    /// - Throws: `ReportError` when the file is not a journal, its header is unreadable, or a
    ///   record other than the last is damaged (that is not what a crash leaves behind).
    static func read(_ url: URL) throws -> Contents {
        let data: [UInt8]
        do { data = Array(try Data(contentsOf: url)) } catch {
            throw ReportError("cannot read \(url.path): \(error.localizedDescription)")
        }
        guard data.count >= magic.count, Array(data[0..<magic.count]) == magic else {
            throw ReportError("\(url.path) is not a hymba-lens journal")
        }
        var offset = magic.count
        var header: RunHeader?
        var records: [PassageRecord] = []
        var droppedTail: String?
        var index = 0
        while offset < data.count {
            let position = "record \(index + 1) at byte \(offset)"
            guard data.count - offset >= 9 else { droppedTail = "the last record (\(position)) is cut short"; break }
            let length = Int(UInt32(data[offset]) | UInt32(data[offset + 1]) << 8 | UInt32(data[offset + 2]) << 16 | UInt32(data[offset + 3]) << 24)
            let end = offset + 9 + length
            guard end <= data.count else { droppedTail = "the last record (\(position)) is cut short"; break }
            let kindByte = data[offset + 4]
            let payload = Array(data[(offset + 5)..<(end - 4)])
            let stored = UInt32(data[end - 4]) | UInt32(data[end - 3]) << 8 | UInt32(data[end - 2]) << 16 | UInt32(data[end - 1]) << 24
            guard stored == CRC32.checksum(payload, initial: CRC32.checksum([kindByte])), let kind = Kind(rawValue: kindByte) else {
                if end == data.count { droppedTail = "the last record (\(position)) is damaged (checksum mismatch)"; break }
                throw ReportError("\(url.path) is damaged in \(position), before its last record — not what an interrupted run leaves; discard it with --restart")
            }
            switch (kind, header) {
            case (.header, nil):
                do {
                    header = try JSONDecoder().decode(RunHeader.self, from: Data(payload))
                } catch {
                    throw ReportError("\(url.path) has a header this hymba-lens cannot read (written by another version?)")
                }
            case (.passage, let header?):
                let record: PassageRecord
                do { record = try PassageRecord(decoding: payload) } catch {
                    throw ReportError("\(url.path): \(position) cannot be read (\(error))")
                }
                try record.check(against: header, position: position, file: url.path)
                records.append(record)
            default:
                throw ReportError("\(url.path): \(position) is out of place (a journal is one header, then passages)")
            }
            offset = end
            index += 1
        }
        guard let header else { throw ReportError("\(url.path) has no complete header (the run stopped while starting)") }
        return Contents(header: header, records: records, validLength: offset, droppedTail: droppedTail)
    }

    /// Syncs a folder so a file just renamed into it survives a crash.
    static func syncFolder(_ folder: URL) {
        let fd = open(folder.path, O_RDONLY | O_DIRECTORY)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }
}

/// One completed passage in a journal: which passage (checked against the header), how long it
/// took, and each analysis's partial state for it alone.
struct PassageRecord: Equatable {
    let passage: Int
    let domain: Int
    let index: Int
    let ids: String
    /// Wall time of the passage's passes (informational: shard timings in part.json).
    let seconds: Double
    let partials: [Partial]

    struct Partial: Equatable {
        let analysis: String
        let bytes: [UInt8]
    }

    init(passage: PassageRef, ids: String, seconds: Double, partials: [Partial]) {
        self.passage = passage.global
        domain = passage.domain
        index = passage.index
        self.ids = ids
        self.seconds = seconds
        self.partials = partials
    }

    func encoded() -> [UInt8] {
        var encoder = PartialStateEncoder()
        encoder.tag("passage", version: 1)
        encoder.integers([passage, domain, index])
        encoder.string(ids)
        encoder.double(seconds)
        encoder.integer(partials.count)
        for partial in partials {
            encoder.string(partial.analysis)
            encoder.block(partial.bytes)
        }
        return encoder.bytes
    }

    init(decoding bytes: [UInt8]) throws {
        var decoder = PartialStateDecoder(bytes)
        try decoder.expectTag("passage", version: 1)
        let where_ = try decoder.integers(count: 3)
        passage = where_[0]
        domain = where_[1]
        index = where_[2]
        ids = try decoder.string()
        seconds = try decoder.double()
        let count = try decoder.integer()
        guard count >= 0, count < 1000 else { throw PartialStateError.malformed("\(count) analyses") }
        partials = try (0..<count).map { _ in
            let name = try decoder.string()
            return Partial(analysis: name, bytes: try decoder.block())
        }
        guard decoder.isAtEnd else { throw PartialStateError.malformed("bytes after the passage record") }
    }

    /// The record belongs to the header's run: a known passage, the same ids, every analysis.
    func check(against header: RunHeader, position: String, file: String) throws {
        let all = header.passages
        guard all.indices.contains(passage), all[passage].domain == domain, all[passage].index == index,
              header.domains[domain].passages[index].ids == ids else {
            throw ReportError("\(file): \(position) names a passage that is not in the run's prompt sets")
        }
        guard partials.map(\.analysis) == header.analyses.map(\.name) else {
            throw ReportError("\(file): \(position) holds the analyses \(partials.map(\.analysis)), the run has \(header.analyses.map(\.name))")
        }
    }
}
