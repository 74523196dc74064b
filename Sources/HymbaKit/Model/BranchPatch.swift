/// Values from another run written over part of one layer's branch output, before its norm —
/// the write of activation patching, at the same place a head ablation zeroes.
///
/// ```
/// A_out[row, columns] ← values        (or S_out for the SSM branch)
/// ```
/// `row` counts the rows the layer computes (the real tokens on the path with cached meta rows).
struct BranchPatch: Sendable {
    enum Branch: Sendable { case attention, ssm }

    let branch: Branch
    let row: Int
    let columns: Range<Int>
    /// `columns.count` values.
    let values: [Float]

    func write(into output: MatrixView) {
        precondition(values.count == columns.count && columns.upperBound <= output.cols && row < output.rows,
                     "branch patch: \(values.count) values for columns \(columns) of row \(row) in \(output.shape)")
        let target = output.row(row) + columns.lowerBound
        values.withUnsafeBufferPointer { target.update(from: $0.baseAddress!, count: values.count) }
    }
}
