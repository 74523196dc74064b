// CKernels: HymbaLens's elementwise and recurrent kernels in C, compiled three times (generic
// x86-64 / AVX2+FMA / AVX-512) and chosen at run time from the CPU's features, because Swift
// code for the default x86-64 target is SSE-only. Every kernel is single-threaded; callers
// split work over cores. All math is fp32 (row sums of squares are reduced in double).
#ifndef HYMBA_CKERNELS_H
#define HYMBA_CKERNELS_H

#include "CPUIdentity.h"
#include "KernelLevel.h"
#include "SelectiveScanKernel.h"
#include "ElementwiseKernels.h"
#include "NormKernels.h"
#include "SoftmaxKernel.h"
#include "RowSummaryKernel.h"
#include "DecayKernels.h"
#include "FloatMode.h"
#include "MemoryAdvice.h"

#endif
