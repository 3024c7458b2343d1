// The model `tfp_convergence` (docs/models/tfp_convergence.md): Cobb-Douglas
// production in capital, labour and an R&D knowledge stock, where each
// region's TFP growth decays from its own rate toward a frontier rate g_F at
// a speed kappa estimated on the panel (the conditional-convergence idea of
// the OECD long-term model, Guillemette and Turner 2018):
//
//   ln Yhat_i,t = a_i + tau_i(t) + alpha ln K_i,t + (1 - alpha) ln L_i,t
//                 + gamma ln S_i,t
//   tau_i(t)    = g_F x + (lambda_i - g_F) (1 - exp(-kappa x)) / kappa,
//                 x = t - t0
//
// kappa = 0 gives back cobb_douglas_rd's linear trend lambda_i x. g_F is
// data, not estimated: (1 - alpha_0) times the mean growth of US real GDP per
// capita over the 20 years to the last data year (Penn World Table 10.01),
// set by the calibration unless the user fixes it.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "models/common/production.h"
#include "models/common/production_metadata.h"
#include "models/model_info.h"

namespace growthcast::models {

struct TfpConvergence {
  static constexpr const char* kName = "tfp_convergence";
  static constexpr int kRegional = 2;  // a, lambda
  static constexpr int kShared = 6;
  enum SharedParameter : int { alpha = 0, beta, gamma, delta_S, kappa, g_F };
  using Tie = ConstantReturnsTie<alpha, beta>;

  // Priors, each with its source (docs/models/tfp_convergence.md):
  // alpha: 1 - the labour share of China in PWT 10.01 in 2019 (0.586), sd
  // 0.05; gamma: the output elasticity of R&D capital outside the G7 in Coe
  // and Helpman (1995), 0.078, within the range surveyed by Hall, Mairesse
  // and Mohnen (2010), sd 0.04. On this panel gamma is not identified once
  // the trend can curve, so the prior carries it.
  static const ModelInfo& info() {
    static const ModelInfo model = {
        kName,
        "1",
        "Cobb-Douglas production in capital, labour and an R&D knowledge "
        "stock; each region's TFP growth converges from its own rate to the "
        "frontier's at a speed kappa",
        {"ln Yhat_i,t = a_i + tau_i(t) + alpha ln K_i,t + (1 - alpha) ln "
         "L_i,t + gamma ln S_i,t",
         "tau_i(t) = g_F x + (lambda_i - g_F) (1 - exp(-kappa x)) / kappa, x "
         "= t - t0 (kappa = 0: lambda_i x)",
         "S_i,t0 = R_i,t0 / (g_i + delta_S), S_i,t = (1 - delta_S) S_i,t-1 + "
         "R_i,t",
         "g_F = (1 - alpha_0) x mean growth of US real GDP per capita over "
         "the 20 years to the last data year (PWT 10.01)",
         "projection: K, L, S accumulate as in cobb_douglas_rd, plus an AR(1) "
         "level shock"},
        {
            {"a", "log TFP level in the first year of the window", "log points",
             Scope::regional},
            {"lambda", "TFP trend growth in the first year of the window",
             "log points per year", Scope::regional},
            {"alpha",
             "output elasticity of capital",
             "1",
             Scope::shared,
             0.414,
             0.05,
             0.95,
             true,
             {},
             GaussianPrior{0.414, 0.05},
             kFromPwtCapitalShare},
            {"beta", "output elasticity of labour", "1", Scope::shared, 0.586,
             0.0, 1.0, false, "1-alpha"},
            {"gamma",
             "output elasticity of the R&D knowledge stock",
             "1",
             Scope::shared,
             0.078,
             0.0,
             1.0,
             true,
             {},
             GaussianPrior{0.078, 0.04}},
            {"delta_S", "depreciation rate of the knowledge stock",
             "1 per year", Scope::shared, 0.15, 0.01, 0.5, false},
            {"kappa", "speed at which TFP growth converges to the frontier's",
             "1 per year", Scope::shared, 0.1, 0.0, 1.0, true},
            {"g_F",
             "frontier TFP growth (data: set from PWT 10.01 unless fixed)",
             "log points per year",
             Scope::shared,
             0.0073,
             -0.1,
             0.1,
             false,
             {},
             std::nullopt,
             kFromPwtFrontierTfpGrowth},
        },
        production_inputs(),
        production_states(),
        production_drivers(),
        {{"capital", "alpha d ln K", false},
         {"labour", "(1 - alpha) d ln L", false},
         {"knowledge", "gamma d ln S", true},
         {"tfp", "the rest of d ln Y: the change of tau_i plus the shock's",
          true}},
        {"Guillemette and Turner (2018), The long view: scenarios for the "
         "world economy to 2060, OECD Economic Policy Paper 22",
         "Coe and Helpman (1995), International R&D spillovers, European "
         "Economic Review 39",
         "Hall, Mairesse and Mohnen (2010), Measuring the returns to R&D, "
         "Handbook of the Economics of Innovation",
         "Feenstra, Inklaar and Timmer (2015), Penn World Table 10.01"},
        /*default_common_shocks=*/true,
        /*default_trend_shocks=*/true,
        /*default_band_calibration=*/true,
    };
    return model;
  }

  struct Config {
    bool beta_tied = true;
  };
  static Config configure(const std::vector<ParameterSetting>& shared) {
    return {shared[beta].tied};
  }
  static bool validate(const std::vector<ParameterSetting>& shared,
                       std::string* error) {
    if (!validate_fixed_delta_s(shared[delta_S], error)) return false;
    if (shared[kappa].lower < 0.0) {
      *error = "kappa: the lower bound must be at least 0";
      return false;
    }
    return true;
  }
  static std::vector<std::pair<const char*, std::int64_t>> int_attributes(
      const Config& c) {
    return {{"beta_is_one_minus_alpha", c.beta_tied}};
  }
  static std::vector<std::pair<const char*, std::string>> text_attributes(
      const Config&) {
    return {};
  }
  template <typename T>
  static void apply_ties(const Config& c, T* shared) {
    Tie::apply(c.beta_tied, shared);
  }
  static std::vector<std::array<int, 3>> tie_derivatives(const Config& c) {
    return Tie::derivatives(c.beta_tied);
  }

  // (1 - exp(-kappa x)) / kappa, by its series where kappa x is small, so
  // that it and its derivatives stay finite at kappa = 0.
  template <typename T>
  static T convergence_factor(const T& kappa_v, double x) {
    using std::expm1;
    if (kappa_v * x < 1e-6) {
      const T kx = kappa_v * x;
      return x * (1.0 - kx / 2.0 + kx * kx / 6.0);
    }
    return -expm1(-kappa_v * x) / kappa_v;
  }
  // tau_i at x years after t0.
  template <typename T>
  static T trend(const T& lambda, const T& kappa_v, const T& g_f, double x) {
    return g_f * x + (lambda - g_f) * convergence_factor(kappa_v, x);
  }

  template <typename T, typename Input>
  static T log_output(const T& a, const T& tau, const T& alpha_v,
                      const T& beta_v, const T& gamma_v, const Input& ln_k,
                      const Input& ln_l, const T& ln_s) {
    return a + tau + alpha_v * ln_k + beta_v * ln_l + gamma_v * ln_s;
  }

  class Residual {
   public:
    Residual(const std::vector<RegionSeries>* all_regions, int region,
             const Config& config)
        : all_(all_regions), region_(region), config_(config) {}
    int num_residuals() const {
      return static_cast<int>((*all_)[region_].ln_gdp.size());
    }
    template <typename T>
    bool operator()(const T* region_params, const T* alpha_p, const T* beta_p,
                    const T* gamma_p, const T* delta_p, const T* kappa_p,
                    const T* g_f_p, T* residuals) const {
      const RegionSeries& own = (*all_)[region_];
      const std::size_t years = own.ln_gdp.size();
      std::vector<T> stock(years);
      if (!knowledge_stock<T>(own.rd, own.rd_growth, *delta_p, stock.data()))
        return false;
      const T beta_used = config_.beta_tied ? T(1.0) - *alpha_p : *beta_p;
      for (std::size_t t = 0; t < years; ++t) {
        using std::log;
        const T tau =
            trend(region_params[1], *kappa_p, *g_f_p, static_cast<double>(t));
        residuals[t] = own.ln_gdp[t] -
                       log_output<T, double>(
                           region_params[0], tau, *alpha_p, beta_used, *gamma_p,
                           own.ln_capital[t], own.ln_labour[t], log(stock[t]));
      }
      return true;
    }

   private:
    const std::vector<RegionSeries>* all_;
    int region_;
    Config config_;
  };
  static Residual* make_residual(const std::vector<RegionSeries>* all,
                                 int region, const Config& config) {
    return new Residual(all, region, config);
  }
  static double knowledge_depreciation(const double* shared) {
    return shared[delta_S];
  }
  // The level at the mean of log output net of the factor terms and the
  // frontier trend, the initial trend at the frontier's.
  static std::array<double, kRegional> start_regional(
      const RegionSeries& s, const std::vector<double>& ln_stock,
      const double* shared) {
    double level = 0.0;
    for (std::size_t t = 0; t < s.ln_gdp.size(); ++t)
      level += s.ln_gdp[t] - shared[alpha] * s.ln_capital[t] -
               shared[beta] * s.ln_labour[t] - shared[gamma] * ln_stock[t] -
               shared[g_F] * double(t);
    return {level / double(s.ln_gdp.size()), shared[g_F]};
  }

  // ---- The projection's per-lane equations (double). ----
  static constexpr int kKnowledgeDepreciation = delta_S;
  static bool uses_spillover(const Config&) { return false; }
  struct LaneRows {
    const double *a, *lambda, *alpha, *beta, *gamma, *kappa, *g_f;
  };
  static LaneRows lane_rows(const double* const* regional,
                            const double* const* shared) {
    return {regional[0],   regional[1],   shared[alpha], shared[beta],
            shared[gamma], shared[kappa], shared[g_F]};
  }
  // tau at x for one lane: both branches computed and one selected, so
  // that the kernel's loop stays a vector loop (exp has a vector version,
  // expm1 does not; at kappa x >= 1e-6 the cancellation of 1 - exp costs
  // at most about 1e-10 relative). Math: the kernel's exp and select
  // (engine/montecarlo/projection.cc: glibc's exp and ?:, or stream
  // version 3's exp and a select on the bits, which GCC keeps in the
  // vector loop).
  template <class Math>
  static double lane_trend(LaneRows r, int i, double x) {
    const double k = r.kappa[i];
    const double kx = k * x;
    const double series = x * (1.0 - kx / 2.0 + kx * kx / 6.0);
    const double closed = (1.0 - Math::exp(-kx)) / k;
    const double factor = Math::select(kx < 1e-6, series, closed);
    return r.g_f[i] * x + (r.lambda[i] - r.g_f[i]) * factor;
  }
  template <bool kSpill, class Math>
  static double lane_log_output(LaneRows r, int i, double t, double ln_k,
                                double ln_l, double ln_s, double /*spill*/) {
    return log_output<double, double>(r.a[i], lane_trend<Math>(r, i, t),
                                      r.alpha[i], r.beta[i], r.gamma[i], ln_k,
                                      ln_l, ln_s);
  }
  template <class Math>
  static double trend_since_last(LaneRows r, int i, double t, double h) {
    return lane_trend<Math>(r, i, t) - lane_trend<Math>(r, i, t - h);
  }
  template <class Math>
  static double trend_step(LaneRows r, int i, double t) {
    return lane_trend<Math>(r, i, t) - lane_trend<Math>(r, i, t - 1.0);
  }
  template <bool kSpill>
  static void lane_contributions(LaneRows r, int i, double dlk, double dll,
                                 double dls, double /*dlsp*/, double& capital,
                                 double& labour, double& knowledge) {
    capital = r.alpha[i] * dlk;
    labour = r.beta[i] * dll;
    knowledge = r.gamma[i] * dls;
  }
  static std::array<double, 4> history_contributions(const Config&,
                                                     const double* v,
                                                     double dly, double dlk,
                                                     double dll, double dls,
                                                     double /*dlsp*/) {
    const double capital = v[alpha] * dlk, labour = v[beta] * dll,
                 knowledge = v[gamma] * dls;
    return {capital, labour, knowledge, dly - capital - labour - knowledge};
  }
};

}  // namespace growthcast::models
