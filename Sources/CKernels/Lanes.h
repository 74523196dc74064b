// Sixteen fp32 lanes and the transcendental functions the kernels need, as clang vector
// extensions: one AVX-512 register, two AVX2 registers or four SSE registers, depending on the
// variant the code is inlined into. Everything here is always-inline, so no vector ever crosses
// a call boundary (hence -Wpsabi is silenced: the ABI note it warns about cannot apply).
#ifndef HYMBA_LANES_H
#define HYMBA_LANES_H

#include <stdint.h>
#include <string.h>
#include "Variants.h"

#pragma clang diagnostic ignored "-Wpsabi"

#define HL_LANES 16

typedef float hl_vf __attribute__((ext_vector_type(HL_LANES)));
typedef int32_t hl_vi __attribute__((ext_vector_type(HL_LANES)));

HL_INLINE hl_vf hl_load(const float *p) { hl_vf v; memcpy(&v, p, sizeof v); return v; }
HL_INLINE void hl_store(float *p, hl_vf v) { memcpy(p, &v, sizeof v); }
HL_INLINE hl_vf hl_splat(float x) { return (hl_vf)x; }

/// The first `count` (< 16) values of `p`, the rest `fill`.
HL_INLINE hl_vf hl_load_partial(const float *p, int count, float fill) {
    float buffer[HL_LANES];
    for (int i = 0; i < HL_LANES; i++) buffer[i] = i < count ? p[i] : fill;
    return hl_load(buffer);
}

HL_INLINE void hl_store_partial(float *p, hl_vf v, int count) {
    float buffer[HL_LANES];
    hl_store(buffer, v);
    for (int i = 0; i < count; i++) p[i] = buffer[i];
}

HL_INLINE float hl_sum(hl_vf v) {
    float s = 0;
    for (int i = 0; i < HL_LANES; i++) s += v[i];
    return s;
}

HL_INLINE double hl_sum_double(hl_vf v) {
    double s = 0;
    for (int i = 0; i < HL_LANES; i++) s += (double)v[i];
    return s;
}

HL_INLINE float hl_max_lane(hl_vf v) {
    float m = v[0];
    for (int i = 1; i < HL_LANES; i++) m = v[i] > m ? v[i] : m;
    return m;
}

/// eˣ, Cephes-style: k = round(x·log₂e), r = x − k·ln2 in two parts (Cody–Waite), e^r by a
/// degree-7 polynomial on |r| ≤ ln2/2, times 2^k built in the exponent field. Relative error
/// ≤ 2 ulp for results in [2⁻¹²⁵, FLT_MAX]; x < −87.34 gives 0, x > 88.72 gives +inf, NaN stays NaN.
HL_INLINE hl_vf hl_exp(hl_vf x) {
    const hl_vf low = hl_splat(-87.33655f), high = hl_splat(88.72283f);
    hl_vf clamped = x < low ? low : x;
    clamped = x > high ? high : clamped;
    // Adding 1.5·2²³ rounds to an integer and leaves it in the low mantissa bits.
    const float shift = 12582912.0f;
    hl_vf shifted = clamped * 1.44269504f + shift;
    hl_vf k = shifted - shift;
    hl_vf r = clamped - k * 0.693359375f;
    r = r - k * -2.12194440e-4f;
    hl_vf p = hl_splat(1.98756915e-4f);
    p = p * r + 1.39819995e-3f;
    p = p * r + 8.33345190e-3f;
    p = p * r + 4.16657960e-2f;
    p = p * r + 1.66666650e-1f;
    p = p * r + 5.00000010e-1f;
    hl_vf er = p * (r * r) + r + 1.0f;
    // 2^k as 2^(k−1)·2, so that k = 128 (x near ln FLT_MAX) still fits the exponent field.
    hl_vi kBits = __builtin_bit_cast(hl_vi, shifted) - 0x4B400000;
    hl_vf scale = __builtin_bit_cast(hl_vf, (kBits + 126) << 23);
    hl_vf result = er * scale * 2.0f;
    result = x < low ? hl_splat(0.0f) : result;
    result = x > high ? hl_splat(__builtin_inff()) : result;
    return result;
}

/// eˣ for x ≤ 0 (or NaN): `hl_exp` without the overflow side, for decays exp(Δ·A) with Δ ≥ 0,
/// A < 0. Same polynomial and accuracy; x < −87.34 gives 0.
HL_INLINE hl_vf hl_exp_nonpositive(hl_vf x) {
    const hl_vf low = hl_splat(-87.33655f);
    hl_vf clamped = x < low ? low : x;
    const float shift = 12582912.0f;
    hl_vf shifted = clamped * 1.44269504f + shift;
    hl_vf k = shifted - shift;
    hl_vf r = clamped - k * 0.693359375f;
    r = r - k * -2.12194440e-4f;
    hl_vf p = hl_splat(1.98756915e-4f);
    p = p * r + 1.39819995e-3f;
    p = p * r + 8.33345190e-3f;
    p = p * r + 4.16657960e-2f;
    p = p * r + 1.66666650e-1f;
    p = p * r + 5.00000010e-1f;
    hl_vf er = p * (r * r) + r + 1.0f;
    hl_vi kBits = __builtin_bit_cast(hl_vi, shifted) - 0x4B400000;     // k ∈ [−126, 0]
    hl_vf result = er * __builtin_bit_cast(hl_vf, (kBits + 127) << 23);
    return x < low ? hl_splat(0.0f) : result;
}

/// ln x for x > 0: x = m·2ᵉ with m ∈ [√½, √2), then a degree-9 polynomial in m − 1
/// (Cephes logf); relative error ≤ 2 ulp. ln 0 = −inf.
HL_INLINE hl_vf hl_log(hl_vf x) {
    hl_vi bits = __builtin_bit_cast(hl_vi, x);
    hl_vf exponent = __builtin_convertvector((bits >> 23) - 127, hl_vf);
    hl_vf mantissa = __builtin_bit_cast(hl_vf, (bits & 0x007FFFFF) | 0x3F000000);   // [0.5, 1)
    hl_vi small = mantissa < 0.70710677f;
    exponent = small ? exponent - 1.0f : exponent;
    mantissa = small ? mantissa + mantissa : mantissa;
    exponent = exponent + 1.0f;
    hl_vf m = mantissa - 1.0f;
    hl_vf m2 = m * m;
    hl_vf p = hl_splat(7.0376836e-2f);
    p = p * m - 1.1514610e-1f;
    p = p * m + 1.1676999e-1f;
    p = p * m - 1.2420141e-1f;
    p = p * m + 1.4249323e-1f;
    p = p * m - 1.6668058e-1f;
    p = p * m + 2.0000714e-1f;
    p = p * m - 2.4999994e-1f;
    p = p * m + 3.3333331e-1f;
    hl_vf y = p * m * m2;
    y = y + exponent * -2.12194440e-4f;
    y = y - m2 * 0.5f;
    hl_vf result = m + y + exponent * 0.693359375f;
    return x == 0.0f ? hl_splat(-__builtin_inff()) : result;
}

/// SiLU x·σ(x) = x / (1 + e^{−x}), as torch evaluates it.
HL_INLINE hl_vf hl_silu(hl_vf x) { return x / (1.0f + hl_exp(-x)); }

/// torch's softplus with its default threshold: x itself when x > 20, else log1p(eˣ), with
/// log1p(y) = ln(1+y)·y/((1+y)−1) exact to a few ulp even for tiny y (Goldberg).
HL_INLINE hl_vf hl_softplus(hl_vf x) {
    hl_vf y = hl_exp(x);
    hl_vf u = 1.0f + y;
    hl_vf denominator = u - 1.0f;
    hl_vf result = hl_log(u) * (y / denominator);
    result = denominator == 0.0f ? y : result;
    return x > 20.0f ? x : result;
}

#endif
