import HymbaKit

/// Seconds per unit of work of each kind of pass, measured on this machine during the run, for
/// an ETA that is honest from its first line: every kind is timed before the plan is printed
/// (`CorpusRun`'s calibration) and the rates keep updating as passages complete.
///
/// ```
/// recorded pass with meta tokens     t ≈ a · (M + n)
/// recorded pass without them         t ≈ b · n
/// clean run                          t ≈ c · n
/// ablation at layer l                t ≈ n · (α + β · (L − l))     least squares over every
///                                                                  timed ablation
/// ```
/// Each rate is the total time over the total units so far, so one slow passage moves it little.
struct PassRates {
    struct Rate {
        private(set) var seconds = 0.0
        private(set) var units = 0.0

        mutating func add(seconds: Double, units: Double) {
            self.seconds += seconds
            self.units += units
        }

        var perUnit: Double? { units > 0 ? seconds / units : nil }
    }

    /// Least squares of t = α·n + β·n·(L − l) without intercept.
    struct AblationFit {
        private var nn = 0.0, nm = 0.0, mm = 0.0, tn = 0.0, tm = 0.0
        private(set) var count = 0

        mutating func add(seconds t: Double, tokens: Int, layersRerun: Int) {
            let n = Double(tokens), m = Double(tokens * layersRerun)
            nn += n * n; nm += n * m; mm += m * m; tn += t * n; tm += t * m
            count += 1
        }

        /// (α, β); with one distinct layer count β is folded into α per rerun layer.
        var coefficients: (alpha: Double, beta: Double)? {
            guard count > 0 else { return nil }
            let determinant = nn * mm - nm * nm
            if count > 1, determinant > 1e-9 * nn * mm {
                let alpha = (tn * mm - tm * nm) / determinant, beta = (tm * nn - tn * nm) / determinant
                if alpha >= 0, beta >= 0 { return (alpha, beta) }
            }
            // One point (or no spread): all of it per rerun layer plus one.
            let perUnit = (tn + tm) / (nn + 2 * nm + mm)
            return (perUnit, perUnit)
        }

        func seconds(tokens: Int, layersRerun: Int) -> Double? {
            coefficients.map { Double(tokens) * ($0.alpha + $0.beta * Double(layersRerun)) }
        }
    }

    let layers: Int
    let metaTokens: Int
    var withMeta = Rate()
    var withoutMeta = Rate()
    var clean = Rate()
    var ablation = AblationFit()

    init(config: HymbaConfig) {
        layers = config.hiddenLayers
        metaTokens = config.memoryTokens
    }

    mutating func timedWithMeta(_ seconds: Double, tokens: Int) { withMeta.add(seconds: seconds, units: Double(metaTokens + tokens)) }
    mutating func timedWithoutMeta(_ seconds: Double, tokens: Int) { withoutMeta.add(seconds: seconds, units: Double(tokens)) }
    mutating func timedClean(_ seconds: Double, tokens: Int) { clean.add(seconds: seconds, units: Double(tokens)) }
    mutating func timedAblation(_ seconds: Double, tokens: Int, layer: Int) {
        ablation.add(seconds: seconds, tokens: tokens, layersRerun: layers - layer)
    }

    /// Estimated seconds of some passes of a passage of `n` tokens; nil while a kind they need
    /// has not been timed yet.
    func seconds(tokens n: Int, withMeta: Bool, withoutMeta: Bool, clean: Bool, ablations: [Ablation]) -> Double? {
        var total = 0.0
        if withMeta { guard let r = self.withMeta.perUnit else { return nil }; total += r * Double(metaTokens + n) }
        if withoutMeta { guard let r = self.withoutMeta.perUnit else { return nil }; total += r * Double(n) }
        if clean { guard let r = self.clean.perUnit else { return nil }; total += r * Double(n) }
        for ablation in ablations {
            guard let t = self.ablation.seconds(tokens: n, layersRerun: layers - ablation.layer) else { return nil }
            total += t
        }
        return total
    }

    /// Estimated seconds of everything `needs` asks of a passage of `n` tokens.
    func seconds(tokens n: Int, needs: PassageNeeds) -> Double? {
        seconds(tokens: n, withMeta: !needs.withMeta.isEmpty, withoutMeta: !needs.withoutMeta.isEmpty,
                clean: !needs.ablations.isEmpty, ablations: needs.ablations)
    }
}
