#include "solverbench/config.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <utility>

namespace growthcast::solverbench {
namespace {

template <class E, std::size_t N>
using Names = std::array<std::pair<E, const char*>, N>;

constexpr Names<TrustRegion, 3> kTrustRegion = {{
    {TrustRegion::levenberg_marquardt, "lm"},
    {TrustRegion::dogleg_traditional, "dogleg"},
    {TrustRegion::dogleg_subspace, "subspace"},
}};
constexpr Names<LineSearch, 2> kLineSearch = {{
    {LineSearch::bfgs, "bfgs"},
    {LineSearch::lbfgs, "lbfgs"},
}};
constexpr Names<LinearSolver, 6> kLinearSolver = {{
    {LinearSolver::dense_qr, "dense_qr"},
    {LinearSolver::dense_normal_cholesky, "dense_normal_cholesky"},
    {LinearSolver::dense_schur, "dense_schur"},
    {LinearSolver::sparse_normal_cholesky, "sparse_normal_cholesky"},
    {LinearSolver::iterative_schur, "iterative_schur"},
    {LinearSolver::cgnr, "cgnr"},
}};
constexpr Names<Derivative, 2> kDerivative = {{
    {Derivative::automatic, "auto"},
    {Derivative::numeric_central, "numeric"},
}};
constexpr Names<Minpack, 2> kMinpack = {{
    {Minpack::lmder, "lmder"},
    {Minpack::lmdif, "lmdif"},
}};

template <class E, std::size_t N>
std::string to_string(const Names<E, N>& names, E v) {
  for (const auto& [e, s] : names)
    if (e == v) return s;
  return "?";
}

template <class E, std::size_t N>
bool from_string(const Names<E, N>& names, const std::string& text, E* v) {
  for (const auto& [e, s] : names)
    if (text == s) {
      *v = e;
      return true;
    }
  return false;
}

template <class E, std::size_t N>
std::string choices(const Names<E, N>& names) {
  std::string out;
  for (const auto& [e, s] : names)
    out += (out.empty() ? "" : ", ") + std::string(s);
  return out;
}

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> parts;
  std::size_t begin = 0;
  while (true) {
    const auto end = text.find(sep, begin);
    parts.push_back(text.substr(begin, end - begin));
    if (end == std::string::npos) break;
    begin = end + 1;
  }
  return parts;
}

constexpr const char* kSyntax =
    " (expected ceres:TRUST:LINEAR:DERIV[:tN], ceres:bfgs|lbfgs:DERIV[:tN], "
    "minpack:lmder or minpack:lmdif; e.g. ceres:lm:dense_qr:auto)";

SolverConfig trust(TrustRegion t, LinearSolver l,
                   Derivative d = Derivative::automatic, int threads = 1) {
  SolverConfig c;
  c.family = Family::ceres_trust_region;
  c.trust_region = t;
  c.linear_solver = l;
  c.derivative = d;
  c.threads = threads;
  return c;
}

SolverConfig search(LineSearch s) {
  SolverConfig c;
  c.family = Family::ceres_line_search;
  c.line_search = s;
  return c;
}

SolverConfig minpack(Minpack m) {
  SolverConfig c;
  c.family = Family::minpack;
  c.minpack = m;
  return c;
}

}  // namespace

std::string FamilyToString(Family v) {
  switch (v) {
    case Family::ceres_trust_region:
      return "ceres_trust_region";
    case Family::ceres_line_search:
      return "ceres_line_search";
    case Family::minpack:
      return "minpack";
  }
  return "?";
}
std::string TrustRegionToString(TrustRegion v) {
  return to_string(kTrustRegion, v);
}
std::string LineSearchToString(LineSearch v) {
  return to_string(kLineSearch, v);
}
std::string LinearSolverToString(LinearSolver v) {
  return to_string(kLinearSolver, v);
}
std::string DerivativeToString(Derivative v) {
  return to_string(kDerivative, v);
}
std::string MinpackToString(Minpack v) { return to_string(kMinpack, v); }
bool StringToTrustRegion(const std::string& t, TrustRegion* v) {
  return from_string(kTrustRegion, t, v);
}
bool StringToLineSearch(const std::string& t, LineSearch* v) {
  return from_string(kLineSearch, t, v);
}
bool StringToLinearSolver(const std::string& t, LinearSolver* v) {
  return from_string(kLinearSolver, t, v);
}
bool StringToDerivative(const std::string& t, Derivative* v) {
  return from_string(kDerivative, t, v);
}
bool StringToMinpack(const std::string& t, Minpack* v) {
  return from_string(kMinpack, t, v);
}

std::string SolverConfig::name() const {
  std::string out;
  switch (family) {
    case Family::ceres_trust_region:
      out = "ceres:" + TrustRegionToString(trust_region) + ":" +
            LinearSolverToString(linear_solver) + ":" +
            DerivativeToString(derivative);
      break;
    case Family::ceres_line_search:
      out = "ceres:" + LineSearchToString(line_search) + ":" +
            DerivativeToString(derivative);
      break;
    case Family::minpack:
      return "minpack:" + MinpackToString(minpack);
  }
  if (threads != 1) out += ":t" + std::to_string(threads);
  return out;
}

bool SolverConfig::IsValid(std::string* error) const {
  if (threads < 1 || threads > 256) {
    *error = "threads: must be in [1, 256], got " + std::to_string(threads);
    return false;
  }
  if (family == Family::minpack && threads != 1) {
    *error = "threads: MINPACK runs on one thread";
    return false;
  }
  return true;
}

Result<SolverConfig> parse_config(const std::string& text) {
  const std::string field = "--configs";
  auto bad = [&](const std::string& why) {
    return usage_error("configuration '" + text + "': " + why + kSyntax, field);
  };
  auto parts = split(text, ':');
  SolverConfig c;
  if (parts.size() >= 2 && parts.back().size() >= 2 && parts.back()[0] == 't' &&
      parts[0] == "ceres") {
    char* end = nullptr;
    const long n = std::strtol(parts.back().c_str() + 1, &end, 10);
    if (*end != '\0')
      return bad("threads field '" + parts.back() + "' is not tN");
    c.threads = static_cast<int>(std::clamp(n, -1L, 100000L));
    parts.pop_back();
  }
  if (parts[0] == "minpack") {
    c.family = Family::minpack;
    if (parts.size() != 2) return bad("minpack takes one field");
    if (!StringToMinpack(parts[1], &c.minpack))
      return bad("unknown MINPACK driver '" + parts[1] + "' (" +
                 choices(kMinpack) + ")");
  } else if (parts[0] == "ceres") {
    if (parts.size() < 2) return bad("missing the minimizer");
    if (StringToLineSearch(parts[1], &c.line_search)) {
      c.family = Family::ceres_line_search;
      if (parts.size() != 3) return bad("a line search takes one field, DERIV");
      if (!StringToDerivative(parts[2], &c.derivative))
        return bad("unknown derivative '" + parts[2] + "' (" +
                   choices(kDerivative) + ")");
    } else if (StringToTrustRegion(parts[1], &c.trust_region)) {
      c.family = Family::ceres_trust_region;
      if (parts.size() != 4)
        return bad("a trust region takes two fields, LINEAR and DERIV");
      if (!StringToLinearSolver(parts[2], &c.linear_solver))
        return bad("unknown linear solver '" + parts[2] + "' (" +
                   choices(kLinearSolver) + ")");
      if (!StringToDerivative(parts[3], &c.derivative))
        return bad("unknown derivative '" + parts[3] + "' (" +
                   choices(kDerivative) + ")");
    } else {
      return bad("unknown minimizer '" + parts[1] + "' (" +
                 choices(kTrustRegion) + ", " + choices(kLineSearch) + ")");
    }
  } else {
    return bad("unknown solver family '" + parts[0] + "' (ceres, minpack)");
  }
  std::string why;
  if (!c.IsValid(&why)) return bad(why);
  return c;
}

std::vector<SolverConfig> default_configs() {
  using L = LinearSolver;
  using T = TrustRegion;
  return {
      trust(T::levenberg_marquardt, L::dense_qr),
      trust(T::levenberg_marquardt, L::dense_normal_cholesky),
      trust(T::levenberg_marquardt, L::dense_schur),
      trust(T::levenberg_marquardt, L::sparse_normal_cholesky),
      trust(T::levenberg_marquardt, L::sparse_normal_cholesky,
            Derivative::automatic, 2),
      trust(T::levenberg_marquardt, L::iterative_schur),
      trust(T::levenberg_marquardt, L::cgnr),
      trust(T::levenberg_marquardt, L::dense_qr, Derivative::numeric_central),
      trust(T::dogleg_traditional, L::dense_qr),
      trust(T::dogleg_subspace, L::dense_qr),
      search(LineSearch::bfgs),
      search(LineSearch::lbfgs),
      minpack(Minpack::lmder),
      minpack(Minpack::lmdif),
  };
}

Result<std::vector<SolverConfig>> parse_config_list(const std::string& text) {
  std::vector<SolverConfig> out;
  auto add = [&](const SolverConfig& c) {
    const std::string n = c.name();
    if (std::none_of(out.begin(), out.end(),
                     [&](const SolverConfig& o) { return o.name() == n; }))
      out.push_back(c);
  };
  for (const auto& item : split(text, ',')) {
    if (item == "default") {
      for (const auto& c : default_configs()) add(c);
    } else if (item == "trust_region" || item == "all") {
      for (auto t :
           {TrustRegion::levenberg_marquardt, TrustRegion::dogleg_traditional,
            TrustRegion::dogleg_subspace})
        for (const auto& [l, s] : kLinearSolver) add(trust(t, l));
      add(trust(TrustRegion::levenberg_marquardt, LinearSolver::dense_qr,
                Derivative::numeric_central));
      if (item == "all") {
        for (const auto& c : default_configs()) add(c);
        add(search(LineSearch::bfgs));
        add(search(LineSearch::lbfgs));
        add(minpack(Minpack::lmder));
        add(minpack(Minpack::lmdif));
        add(trust(TrustRegion::levenberg_marquardt, LinearSolver::dense_qr,
                  Derivative::automatic, 2));
      }
    } else if (item == "line_search") {
      add(search(LineSearch::bfgs));
      add(search(LineSearch::lbfgs));
    } else if (item == "minpack") {
      add(minpack(Minpack::lmder));
      add(minpack(Minpack::lmdif));
    } else if (item.empty()) {
      return usage_error("empty configuration name in '" + text + "'",
                         "--configs");
    } else {
      auto c = parse_config(item);
      if (!c) return tl::unexpected(c.error());
      add(*c);
    }
  }
  return out;
}

bool BenchOptions::IsValid(std::string* error) const {
  if (repeats < 1) {
    *error = "repeats: must be at least 1, got " + std::to_string(repeats);
    return false;
  }
  if (max_iterations < 1) {
    *error = "max_iterations: must be at least 1";
    return false;
  }
  if (!(function_tolerance >= 0 && gradient_tolerance >= 0 &&
        parameter_tolerance >= 0 && minpack_tolerance >= 0)) {
    *error = "tolerances: must be non-negative";
    return false;
  }
  if (minpack_evaluations_per_parameter < 1) {
    *error = "minpack_evaluations_per_parameter: must be at least 1";
    return false;
  }
  if (!(solved_lre > 0)) {
    *error = "solved_lre: must be positive";
    return false;
  }
  return true;
}

}  // namespace growthcast::solverbench
