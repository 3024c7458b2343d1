// The reference model `cobb_douglas_rd` (docs/models/cobb_douglas_rd.md):
// Cobb-Douglas production in capital, labour and an R&D knowledge stock,
// with region-specific TFP levels a_i and linear trends lambda_i.
//
//   ln Yhat_i,t = a_i + lambda_i (t - t0) + alpha ln K_i,t + beta ln L_i,t
//                 + gamma ln S_i,t [+ phi ln Sspill_i,t]
//
// Each equation is written once here, templated on the scalar type: Ceres
// evaluates the residual with Jets, the calibration's fitted values, the
// accounting and the Monte Carlo kernel with double.
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

struct CobbDouglasRd {
  static constexpr const char* kName = "cobb_douglas_rd";
  static constexpr int kRegional = 2;  // a, lambda
  static constexpr int kShared = 5;
  enum SharedParameter : int { alpha = 0, beta, gamma, delta_S, phi };
  using Tie = ConstantReturnsTie<alpha, beta>;

  static const ModelInfo& info() {
    static const ModelInfo model = {
        kName,
        "1",
        "Cobb-Douglas production in capital, labour and an R&D knowledge "
        "stock; each region's TFP has its own level and linear trend",
        {"ln Yhat_i,t = a_i + lambda_i (t - t0) + alpha ln K_i,t + beta ln "
         "L_i,t + gamma ln S_i,t [+ phi ln Sspill_i,t]",
         "S_i,t0 = R_i,t0 / (g_i + delta_S), S_i,t = (1 - delta_S) S_i,t-1 + "
         "R_i,t (g_i: mean log growth of R&D over the window)",
         "Sspill_i,t = sum over j != i of S_j,t / (N - 1)",
         "projection: K_t = (1 - delta_K) K_t-1 + s Y_t-1, L_t = L_t-1 (1 + "
         "n), S_t = (1 - delta_S) S_t-1 + r Y_t-1, plus an AR(1) level "
         "shock u_i,t = rho u_i,t-1 + sigma eps_i,t"},
        {
            {"a", "log TFP level in the first year of the window", "log points",
             Scope::regional},
            {"lambda", "TFP trend", "log points per year", Scope::regional},
            {"alpha", "output elasticity of capital", "1", Scope::shared, 0.4,
             0.05, 0.95, true},
            {"beta", "output elasticity of labour", "1", Scope::shared, 0.6,
             0.0, 1.0, false, "1-alpha"},
            {"gamma", "output elasticity of the R&D knowledge stock", "1",
             Scope::shared, 0.1, 0.0, 1.0, true},
            {"delta_S", "depreciation rate of the knowledge stock",
             "1 per year", Scope::shared, 0.15, 0.01, 0.5, false},
            {"phi",
             "output elasticity of other regions' knowledge "
             "(spillovers; off unless freed or fixed away from 0)",
             "1", Scope::shared, 0.0, -1.0, 1.0, false},
        },
        production_inputs(),
        production_states(),
        production_drivers(),
        {{"capital", "alpha d ln K", false},
         {"labour", "beta d ln L", false},
         {"knowledge", "gamma d ln S + phi d ln Sspill", true},
         {"tfp", "the rest of d ln Y: lambda_i plus the change of the shock",
          true}},
        {"Griliches (1979), perpetual-inventory R&D capital",
         "Coe and Helpman (1995), R&D spillovers"},
    };
    return model;
  }

  // What the equations need to know of the parameter settings.
  struct Config {
    bool beta_tied = true;  // beta = 1 - alpha
    bool spillover = false;
  };
  static Config configure(const std::vector<ParameterSetting>& shared) {
    Config c;
    c.beta_tied = shared[beta].tied;
    // phi enters the model only when it is free or fixed away from zero.
    c.spillover = shared[phi].free || shared[phi].value != 0.0;
    return c;
  }
  // Checks beyond each parameter's own bounds; the message names the field.
  static bool validate(const std::vector<ParameterSetting>& shared,
                       std::string* error) {
    if (!validate_fixed_delta_s(shared[delta_S], error)) return false;
    return true;
  }
  // Attributes stored with a calibration, for readers of the file.
  static std::vector<std::pair<const char*, std::int64_t>> int_attributes(
      const Config& c) {
    return {{"beta_is_one_minus_alpha", c.beta_tied},
            {"spillover", c.spillover}};
  }
  static std::vector<std::pair<const char*, std::string>> text_attributes(
      const Config&) {
    return {{"spillover_weights", kSpillWeightsName}};
  }
  // The ties: beta = 1 - alpha under constant returns in K and L.
  template <typename T>
  static void apply_ties(const Config& c, T* shared) {
    Tie::apply(c.beta_tied, shared);
  }
  // d beta / d alpha = -1: the covariance of beta follows from alpha's.
  static std::vector<std::array<int, 3>> tie_derivatives(const Config& c) {
    return Tie::derivatives(c.beta_tied);
  }

  // The production equation for one region-year, in logs. `ln_spill` is
  // ignored unless `spillover` is set.
  template <typename T, typename Input>
  static T log_output(const T& a, const T& lambda, double years_since_t0,
                      const T& alpha_v, const T& beta_v, const T& gamma_v,
                      const T& phi_v, const Input& ln_k, const Input& ln_l,
                      const T& ln_s, const T& ln_spill, bool spillover) {
    T value = a + lambda * years_since_t0 + alpha_v * ln_k + beta_v * ln_l +
              gamma_v * ln_s;
    if (spillover) value += phi_v * ln_spill;
    return value;
  }

  // Residuals e_i,t = ln Y_i,t - ln Yhat_i,t of one region over the window.
  // Parameter blocks: {a_i, lambda_i}, then the shared scalars in order.
  // `spill_weights` is the region's row of W (spill_weights()), or empty
  // when phi is off.
  class Residual {
   public:
    Residual(const std::vector<RegionSeries>* all_regions, int region,
             std::vector<double> spill_weights, const Config& config)
        : all_(all_regions),
          region_(region),
          weights_(std::move(spill_weights)),
          config_(config) {}

    int num_residuals() const {
      return static_cast<int>((*all_)[region_].ln_gdp.size());
    }

    template <typename T>
    bool operator()(const T* region_params, const T* alpha_p, const T* beta_p,
                    const T* gamma_p, const T* delta_p, const T* phi_p,
                    T* residuals) const {
      const RegionSeries& own = (*all_)[region_];
      const std::size_t years = own.ln_gdp.size();
      std::vector<T> stock(years);
      if (!knowledge_stock<T>(own.rd, own.rd_growth, *delta_p, stock.data()))
        return false;
      const bool spillover = !weights_.empty();
      std::vector<T> spill(spillover ? years : 0, T(0.0));
      if (spillover && !spill_stock(*delta_p, spill)) return false;
      const T beta_used = config_.beta_tied ? T(1.0) - *alpha_p : *beta_p;
      for (std::size_t t = 0; t < years; ++t) {
        using std::log;
        const T ln_spill = spillover ? log(spill[t]) : T(0.0);
        residuals[t] = own.ln_gdp[t] - log_output<T, double>(
                                           region_params[0], region_params[1],
                                           static_cast<double>(t), *alpha_p,
                                           beta_used, *gamma_p, *phi_p,
                                           own.ln_capital[t], own.ln_labour[t],
                                           log(stock[t]), ln_spill, spillover);
      }
      return true;
    }

   private:
    // Sspill_i,t = sum_j w_ij S_j,t.
    template <typename T>
    bool spill_stock(const T& delta, std::vector<T>& spill) const {
      std::vector<T> other(spill.size());
      for (std::size_t j = 0; j < all_->size(); ++j) {
        if (weights_[j] == 0.0) continue;
        const RegionSeries& series = (*all_)[j];
        if (!knowledge_stock<T>(series.rd, series.rd_growth, delta,
                                other.data()))
          return false;
        for (std::size_t t = 0; t < spill.size(); ++t)
          spill[t] += weights_[j] * other[t];
      }
      return true;
    }

    const std::vector<RegionSeries>* all_;
    int region_;
    std::vector<double> weights_;
    Config config_;
  };

  static Residual* make_residual(const std::vector<RegionSeries>* all,
                                 int region, const Config& config) {
    return new Residual(all, region,
                        config.spillover
                            ? spill_weights(all->size(), std::size_t(region))
                            : std::vector<double>{},
                        config);
  }
  static double knowledge_depreciation(const double* shared) {
    return shared[delta_S];
  }

  // Starting values of a region's parameters: its level a_i at the mean
  // log output net of the factor terms at the starting shared values, and
  // its trend at zero, a start that suits any panel and does not depend on
  // the optimum. `ln_stock` is ln S over the window at the start delta_S.
  static std::array<double, kRegional> start_regional(
      const RegionSeries& s, const std::vector<double>& ln_stock,
      const double* shared) {
    double level = 0.0;
    for (std::size_t t = 0; t < s.ln_gdp.size(); ++t)
      level += s.ln_gdp[t] - shared[alpha] * s.ln_capital[t] -
               shared[beta] * s.ln_labour[t] - shared[gamma] * ln_stock[t];
    return {level / double(s.ln_gdp.size()), 0.0};
  }

  // ---- The projection's per-lane equations (double). ----
  static constexpr int kKnowledgeDepreciation = delta_S;
  static bool uses_spillover(const Config& c) { return c.spillover; }
  // The rows of a block's lanes for one region (row[lane] is a draw's
  // value), taken once per region and year; the per-lane functions below
  // read lane i of them, so that the kernel's vector loop sees plain
  // strided loads.
  struct LaneRows {
    const double *a, *lambda, *alpha, *beta, *gamma, *delta_S, *phi;
  };
  static LaneRows lane_rows(const double* const* regional,
                            const double* const* shared) {
    return {regional[0],   regional[1],     shared[alpha], shared[beta],
            shared[gamma], shared[delta_S], shared[phi]};
  }
  // ln Yhat in year t (years since t0), before the level shock. Math: the
  // kernel's exp and select (tfp_convergence's trend takes them; this
  // model's lanes need neither).
  template <bool kSpill, class Math>
  static double lane_log_output(LaneRows r, int i, double t, double ln_k,
                                double ln_l, double ln_s, double ln_spill) {
    return log_output<double, double>(r.a[i], r.lambda[i], t, r.alpha[i],
                                      r.beta[i], r.gamma[i], r.phi[i], ln_k,
                                      ln_l, ln_s, ln_spill, kSpill);
  }
  // The TFP trend's change from the last data year T to year T + h, and
  // from year t - 1 to t: lambda h and lambda.
  template <class Math>
  static double trend_since_last(LaneRows r, int i, double /*t*/, double h) {
    return r.lambda[i] * h;
  }
  template <class Math>
  static double trend_step(LaneRows r, int i, double /*t*/) {
    return r.lambda[i];
  }
  // The factor contributions of one lane (capital, labour, knowledge), into
  // scalars: an array returned from here would be a per-lane array that
  // keeps GCC from vectorising the kernel's loop.
  template <bool kSpill>
  static void lane_contributions(LaneRows r, int i, double dlk, double dll,
                                 double dls, double dlsp, double& capital,
                                 double& labour, double& knowledge) {
    capital = r.alpha[i] * dlk;
    labour = r.beta[i] * dll;
    knowledge = knowledge_contribution<kSpill>(r.gamma[i], r.phi[i], dls, dlsp);
  }

  // The accounting of history, from the estimates: the factor
  // contributions and TFP's, the rest of d ln Y (written out in one
  // expression so that it rounds as the sum it stands for).
  static std::array<double, 4> history_contributions(const Config& c,
                                                     const double* v,
                                                     double dly, double dlk,
                                                     double dll, double dls,
                                                     double dlsp) {
    const auto f =
        c.spillover
            ? factor_contributions<true, double>(v[alpha], v[beta], v[gamma],
                                                 v[phi], dlk, dll, dls, dlsp)
            : factor_contributions<false, double>(v[alpha], v[beta], v[gamma],
                                                  v[phi], dlk, dll, dls, dlsp);
    double tfp = dly - v[alpha] * dlk - v[beta] * dll - v[gamma] * dls;
    if (c.spillover) tfp -= v[phi] * dlsp;
    return {f[0], f[1], f[2], tfp};
  }

  // The factor contributions to d ln Y (capital, labour, knowledge) from
  // the factors' log changes; TFP's is the rest of d ln Y. The one
  // definition for the accounting of history and the forecast.
  template <bool kSpill, typename T>
  static T knowledge_contribution(const T& gamma_v, const T& phi_v,
                                  const T& dls, const T& dlsp) {
    T knowledge = gamma_v * dls;
    if constexpr (kSpill) knowledge += phi_v * dlsp;
    return knowledge;
  }
  template <bool kSpill, typename T>
  static std::array<T, 3> factor_contributions(const T& alpha_v,
                                               const T& beta_v,
                                               const T& gamma_v, const T& phi_v,
                                               const T& dlk, const T& dll,
                                               const T& dls, const T& dlsp) {
    return {alpha_v * dlk, beta_v * dll,
            knowledge_contribution<kSpill>(gamma_v, phi_v, dls, dlsp)};
  }
};

}  // namespace growthcast::models
