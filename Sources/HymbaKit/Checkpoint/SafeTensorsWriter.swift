import Foundation

/// Writes named tensors as one safetensors file (F32 / I64), atomically.
///
/// Tensors are laid out in the order given, the header is padded with spaces to a multiple of 8
/// bytes (so every tensor starts 8-byte aligned, as the reference writer does), and the file
/// appears only when complete. `safetensors.numpy.load_file` reads the result directly.
public enum SafeTensorsWriter {
    public static func write(_ tensors: [(name: String, tensor: Tensor)],
                             metadata: [String: String] = [:], to url: URL) throws {
        var header = "{"
        var parts: [String] = []
        if !metadata.isEmpty {
            let body = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
            parts.append("\"__metadata__\":{\(body.joined(separator: ","))}")
        }
        var offset = 0
        for (name, tensor) in tensors {
            let bytes = tensor.elementCount * tensor.dtype.size
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            parts.append("\(jsonString(name)):{\"dtype\":\"\(tensor.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + bytes)]}")
            offset += bytes
        }
        header += parts.joined(separator: ",") + "}"
        var headerBytes = Array(header.utf8)
        while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }

        let writer = try AtomicFileWriter(destination: url)
        var prefix = Data(count: 8)
        let length = UInt64(headerBytes.count)
        for i in 0..<8 { prefix[i] = UInt8((length >> (8 * UInt64(i))) & 0xff) }
        try writer.write(prefix)
        try writer.write(Data(headerBytes))
        for (_, tensor) in tensors {
            switch tensor.values {
            case .float32(let values): try values.withUnsafeBytes { try writer.write($0) }
            case .int64(let values): try values.withUnsafeBytes { try writer.write($0) }
            }
        }
        try writer.commit()
    }

    /// A JSON string literal with the escapes JSON requires.
    static func jsonString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
