/// Element types of the safetensors format. Only the float types widen to fp32 for the model;
/// the integer types appear in recordings (`input_ids`) and goldens.
public enum DType: String, Sendable, CaseIterable {
    case f64 = "F64", f32 = "F32", f16 = "F16", bf16 = "BF16"
    case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8", u8 = "U8", bool = "BOOL"
    case u16 = "U16", u32 = "U32", u64 = "U64", f8e4m3 = "F8_E4M3", f8e5m2 = "F8_E5M2"

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .f64, .i64, .u64: return 8
        case .f32, .i32, .u32: return 4
        case .f16, .bf16, .i16, .u16: return 2
        case .i8, .u8, .bool, .f8e4m3, .f8e5m2: return 1
        }
    }

    /// Whether `HymbaKit` can widen this type to fp32 exactly (weights are F32, BF16 or F16).
    public var widensToFloat32: Bool { self == .f32 || self == .bf16 || self == .f16 }
}
