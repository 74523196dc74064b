/// Everything that can be wrong with a checkpoint folder, a safetensors file or a config.
/// Each description is one line that names the file, tensor or key and the bad value.
public enum CheckpointError: Error, CustomStringConvertible, Equatable {
    case fileNotFound(path: String)
    case notAFolder(path: String)
    case unreadable(path: String, reason: String)
    case truncated(path: String, reason: String)
    case headerTooLarge(path: String, declared: UInt64, limit: UInt64)
    case headerBeyondFile(path: String, declared: UInt64, fileSize: Int)
    case invalidHeader(path: String, reason: String)
    case unknownDType(path: String, tensor: String, dtype: String)
    case unsupportedDType(path: String, tensor: String, dtype: String)
    case offsetsOutsideData(path: String, tensor: String, begin: Int, end: Int, dataSize: Int)
    case lengthMismatch(path: String, tensor: String, shape: [Int], dtype: String, bytes: Int)
    case overlappingTensors(path: String, first: String, second: String)
    case gapInData(path: String, at: Int)
    case missingTensor(name: String, checkpoint: String)
    case wrongShape(name: String, expected: [Int], found: [Int])
    case invalidIndex(path: String, reason: String)
    case missingConfigKey(key: String)
    case invalidConfigValue(key: String, value: String, reason: String)
    case unsupportedConfig(key: String, value: String, reason: String)
    case invalidConfigJSON(path: String, reason: String)
    case noWeights(directory: String)

    public var description: String {
        switch self {
        case .fileNotFound(let path):
            return "file not found: \(path)"
        case .notAFolder(let path):
            return "\(path) is a file, not a checkpoint folder (give the folder that holds config.json and model.safetensors)"
        case .unreadable(let path, let reason):
            return "cannot read \(path): \(reason)"
        case .truncated(let path, let reason):
            return "truncated safetensors file \(path): \(reason)"
        case .headerTooLarge(let path, let declared, let limit):
            return "safetensors header of \(path) declares \(declared) bytes, more than the \(limit)-byte limit"
        case .headerBeyondFile(let path, let declared, let fileSize):
            return "safetensors header of \(path) declares \(declared) bytes but the file has only \(fileSize) bytes"
        case .invalidHeader(let path, let reason):
            return "invalid safetensors header in \(path): \(reason)"
        case .unknownDType(let path, let tensor, let dtype):
            return "tensor '\(tensor)' in \(path) has unknown dtype '\(dtype)'"
        case .unsupportedDType(let path, let tensor, let dtype):
            return "tensor '\(tensor)' in \(path) has dtype \(dtype); weights must be F32, BF16 or F16"
        case .offsetsOutsideData(let path, let tensor, let begin, let end, let dataSize):
            return "tensor '\(tensor)' in \(path) has data_offsets [\(begin), \(end)] outside the \(dataSize)-byte data region"
        case .lengthMismatch(let path, let tensor, let shape, let dtype, let bytes):
            return "tensor '\(tensor)' in \(path): shape \(shape) of \(dtype) needs a different byte length than its \(bytes) bytes"
        case .overlappingTensors(let path, let first, let second):
            return "tensors '\(first)' and '\(second)' in \(path) overlap in the data region"
        case .gapInData(let path, let at):
            return "safetensors data region of \(path) has bytes no tensor covers at offset \(at)"
        case .missingTensor(let name, let checkpoint):
            return "tensor '\(name)' is missing from \(checkpoint)"
        case .wrongShape(let name, let expected, let found):
            return "tensor '\(name)' has shape \(found), expected \(expected)"
        case .invalidIndex(let path, let reason):
            return "invalid shard index \(path): \(reason)"
        case .missingConfigKey(let key):
            return "config.json: required key '\(key)' is missing"
        case .invalidConfigValue(let key, let value, let reason):
            return "config.json: '\(key)' = \(value) is invalid: \(reason)"
        case .unsupportedConfig(let key, let value, let reason):
            return "config.json: '\(key)' = \(value) is not supported: \(reason)"
        case .invalidConfigJSON(let path, let reason):
            return "cannot parse \(path): \(reason)"
        case .noWeights(let directory):
            return "no model.safetensors or model.safetensors.index.json in \(directory)"
        }
    }
}
