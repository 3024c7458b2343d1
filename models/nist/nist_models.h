// The 27 NIST StRD nonlinear regression models as templated functors.
//
// Each model is written once, as its mean function f(x; b), in a small
// struct; NistResidual<Model> turns it into the functor Ceres wants, one
// residual per observation:
//
//     template <typename T> bool operator()(const T* b, T* residual) const
//
// usable with ceres::AutoDiffCostFunction and ceres::NumericDiffCostFunction
// (DYNAMIC residuals, Model::kParameters parameters), and with double for
// checking residual sums of squares. The equations are NIST's (the "Model:"
// text of each file in data/nist/); the functors know nothing of files,
// solvers or threads.
#pragma once

#include <cmath>

namespace growthcast::models::nist {

// pi as NIST prints it in Roszman1.dat and ENSO's model.
inline constexpr double kPi = 3.141592653589793238462643383279;

// Whether a residual and, for an automatic-differentiation number (a type
// with a value `a` and a derivative vector `v`, as ceres::Jet), its
// derivatives are finite.
inline bool all_finite(double v) { return std::isfinite(v); }
template <class Dual>
bool all_finite(const Dual& d) {
  return std::isfinite(d.a) && d.v.allFinite();
}

// The residual y_i - f(x_i; b) for every observation. `x` holds
// Model::kPredictors values per observation (row-major), `y` one response.
template <class Model>
class NistResidual {
 public:
  static constexpr int kParameters = Model::kParameters;
  static constexpr int kPredictors = Model::kPredictors;

  NistResidual(const double* x, const double* y, int observations)
      : x_(x), y_(y), n_(observations) {}

  int observations() const { return n_; }

  // Returns false (Ceres rejects the point) when a residual or one of its
  // derivatives is not finite; every residual is written either way.
  template <typename T>
  bool operator()(const T* b, T* residual) const {
    bool finite = true;
    for (int i = 0; i < n_; ++i) {
      residual[i] =
          Model::response(y_[i]) - Model::mean(b, x_ + kPredictors * i);
      finite = finite && all_finite(residual[i]);
    }
    return finite;
  }

 private:
  const double* x_;
  const double* y_;
  int n_;
};

// Most models fit y itself; Nelson fits log y.
struct FitsY {
  static double response(double y) { return y; }
};

// y = b1 * (b2+x)**(-1/b3)
struct Bennett5Model : FitsY {
  static constexpr int kParameters = 3, kPredictors = 1;
  template <typename T>
  static T mean(const T* b, const double* x) {
    using std::pow;
    return b[0] * pow(b[1] + x[0], -1.0 / b[2]);
  }
};

// y = b1*(1-exp[-b2*x])   (BoxBOD and Misra1a)
struct ExponentialRiseModel : FitsY {
  static constexpr int kParameters = 2, kPredictors = 1;
  template <typename T>
  static T mean(const T* b, const double* x) {
    using std::exp;
    return b[0] * (1.0 - exp(-b[1] * x[0]));
  }
};

// y = exp[-b1*x]/(b2+b3*x)   (Chwirut1, Chwirut2)
struct ChwirutModel : FitsY {
  static constexpr int kParameters = 3, kPredictors = 1;
  template <typename T>
  static T mean(const T* b, const double* x) {
    using std::exp;
    return exp(-b[0] * x[0]) / (b[1] + b[2] * x[0]);
  }
};

// y = b1*x**b2
struct DanWoodModel : FitsY {
  static constexpr int kParameters = 2, kPredictors = 1;
  template <typename T>
  static T mean(const T* b, const double* x) {
    using std::pow;
    return b[0] * pow(x[0], b[1]);
  }
};

// y = (b1/b2) * exp[-0.5*((x-b3)/b2)**2]
struct Eckerle4Model : FitsY {
  static constexpr int kParameters = 3, kPredictors = 1;
  template <typename T>
  static T mean(const T* b, const double* x) {
    using std::exp;
    const T z = (x[0] - b[2]) / b[1];
    return b[0] / b[1] * exp(-0.5 * z * z);
  }
};

// y = b1 + b2*cos(2 pi x/12) + b3*sin(2 pi x/12) + b5*cos(2 pi x/b4)
//     + b6*sin(2 pi x/b4) + b8*cos(2 pi x/b7) + b9*sin(2 pi x/b7)
struct EnsoModel : FitsY {
  static constexpr int kParameters = 9, kPredictors = 1;
  template <typename T>
  static T mean(const T* b, const double* x) {
    using std::cos;
    using std::sin;
    const double annual = 2.0 * kPi * x[0] / 12.0;
    const T second = 2.0 * kPi * x[0] / b[3];
    const T third = 2.0 * kPi * x[0] / b[6];
    return b[0] + b[1] * std::cos(annual) + b[2] * std::sin(annual) +
           b[4] * cos(second) + b[5] * sin(second) + b[7] * cos(third) +
           b[8] * sin(third);
  }
};

// y = b1*exp(-b2*x) + b3*exp(-(x-b4)**2/b5**2) + b6*exp(-(x-b7)**2/b8**2)
// (Gauss1, Gauss2, Gauss3)
struct GaussModel : FitsY {
  static constexpr int kParameters = 8, kPredictors = 1;
  template <typename T>
  static T mean(const T* b, const double* x) {
    using std::exp;
    const T z1 = (x[0] - b[3]) / b[4];
    const T z2 = (x[0] - b[6]) / b[7];
    return b[0] * exp(-b[1] * x[0]) + b[2] * exp(-z1 * z1) +
           b[5] * exp(-z2 * z2);
  }
};

// y = (b1+b2*x+b3*x**2+b4*x**3) / (1+b5*x+b6*x**2+b7*x**3)
// (Hahn1, Thurber)
struct CubicRationalModel : FitsY {
  static constexpr int kParameters = 7, kPredictors = 1;
  template <typename T>
  static T mean(const T* b, const double* x) {
    const double x1 = x[0], x2 = x1 * x1, x3 = x2 * x1;
    return (b[0] + b[1] * x1 + b[2] * x2 + b[3] * x3) /
           (1.0 + b[4] * x1 + b[5] * x2 + b[6] * x3);
  }
};

// y = (b1 + b2*x + b3*x**2) / (1 + b4*x + b5*x**2)
struct Kirby2Model : FitsY {
  static constexpr int kParameters = 5, kPredictors = 1;
  template <typename T>
  static T mean(const T* b, const double* x) {
    const double x1 = x[0], x2 = x1 * x1;
    return (b[0] + b[1] * x1 + b[2] * x2) / (1.0 + b[3] * x1 + b[4] * x2);
  }
};

// y = b1*exp(-b2*x) + b3*exp(-b4*x) + b5*exp(-b6*x)
// (Lanczos1, Lanczos2, Lanczos3)
struct LanczosModel : FitsY {
  static constexpr int kParameters = 6, kPredictors = 1;
  template <typename T>
  static T mean(const T* b, const double* x) {
    using std::exp;
    return b[0] * exp(-b[1] * x[0]) + b[2] * exp(-b[3] * x[0]) +
           b[4] * exp(-b[5] * x[0]);
  }
};

// y = b1*(x**2+x*b2) / (x**2+x*b3+b4)
struct Mgh09Model : FitsY {
  static constexpr int kParameters = 4, kPredictors = 1;
  template <typename T>
  static T mean(const T* b, const double* x) {
    const double x1 = x[0];
    return b[0] * (x1 * x1 + x1 * b[1]) / (x1 * x1 + x1 * b[2] + b[3]);
  }
};

// y = b1 * exp[b2/(x+b3)]
struct Mgh10Model : FitsY {
  static constexpr int kParameters = 3, kPredictors = 1;
  template <typename T>
  static T mean(const T* b, const double* x) {
    using std::exp;
    return b[0] * exp(b[1] / (x[0] + b[2]));
  }
};

// y = b1 + b2*exp[-x*b4] + b3*exp[-x*b5]
struct Mgh17Model : FitsY {
  static constexpr int kParameters = 5, kPredictors = 1;
  template <typename T>
  static T mean(const T* b, const double* x) {
    using std::exp;
    return b[0] + b[1] * exp(-x[0] * b[3]) + b[2] * exp(-x[0] * b[4]);
  }
};

// y = b1 * (1-(1+b2*x/2)**(-2))
struct Misra1bModel : FitsY {
  static constexpr int kParameters = 2, kPredictors = 1;
  template <typename T>
  static T mean(const T* b, const double* x) {
    const T u = 1.0 + b[1] * x[0] / 2.0;
    return b[0] * (1.0 - 1.0 / (u * u));
  }
};

// y = b1 * (1-(1+2*b2*x)**(-.5))
struct Misra1cModel : FitsY {
  static constexpr int kParameters = 2, kPredictors = 1;
  template <typename T>
  static T mean(const T* b, const double* x) {
    using std::sqrt;
    return b[0] * (1.0 - 1.0 / sqrt(1.0 + 2.0 * b[1] * x[0]));
  }
};

// y = b1*b2*x*((1+b2*x)**(-1))
struct Misra1dModel : FitsY {
  static constexpr int kParameters = 2, kPredictors = 1;
  template <typename T>
  static T mean(const T* b, const double* x) {
    return b[0] * b[1] * x[0] / (1.0 + b[1] * x[0]);
  }
};

// log[y] = b1 - b2*x1 * exp[-b3*x2]
struct NelsonModel {
  static constexpr int kParameters = 3, kPredictors = 2;
  static double response(double y) { return std::log(y); }
  template <typename T>
  static T mean(const T* b, const double* x) {
    using std::exp;
    return b[0] - b[1] * x[0] * exp(-b[2] * x[1]);
  }
};

// y = b1 / (1+exp[b2-b3*x])
struct Rat42Model : FitsY {
  static constexpr int kParameters = 3, kPredictors = 1;
  template <typename T>
  static T mean(const T* b, const double* x) {
    using std::exp;
    return b[0] / (1.0 + exp(b[1] - b[2] * x[0]));
  }
};

// y = b1 / ((1+exp[b2-b3*x])**(1/b4))
struct Rat43Model : FitsY {
  static constexpr int kParameters = 4, kPredictors = 1;
  template <typename T>
  static T mean(const T* b, const double* x) {
    using std::exp;
    using std::pow;
    return b[0] / pow(1.0 + exp(b[1] - b[2] * x[0]), 1.0 / b[3]);
  }
};

// y = b1 - b2*x - arctan[b3/(x-b4)]/pi, with the arctangent taken as
// atan2(b3, x - b4): every x lies below b4, and only this branch (the
// principal value plus pi) reproduces NIST's certified residual sum of
// squares at the certified values (the principal value is off by 1 in b1).
struct Roszman1Model : FitsY {
  static constexpr int kParameters = 4, kPredictors = 1;
  template <typename T>
  static T mean(const T* b, const double* x) {
    using std::atan2;
    return b[0] - b[1] * x[0] - atan2(b[2], x[0] - b[3]) / kPi;
  }
};

// One named functor per NIST dataset.
using Bennett5 = NistResidual<Bennett5Model>;
using BoxBOD = NistResidual<ExponentialRiseModel>;
using Chwirut1 = NistResidual<ChwirutModel>;
using Chwirut2 = NistResidual<ChwirutModel>;
using DanWood = NistResidual<DanWoodModel>;
using Eckerle4 = NistResidual<Eckerle4Model>;
using ENSO = NistResidual<EnsoModel>;
using Gauss1 = NistResidual<GaussModel>;
using Gauss2 = NistResidual<GaussModel>;
using Gauss3 = NistResidual<GaussModel>;
using Hahn1 = NistResidual<CubicRationalModel>;
using Kirby2 = NistResidual<Kirby2Model>;
using Lanczos1 = NistResidual<LanczosModel>;
using Lanczos2 = NistResidual<LanczosModel>;
using Lanczos3 = NistResidual<LanczosModel>;
using MGH09 = NistResidual<Mgh09Model>;
using MGH10 = NistResidual<Mgh10Model>;
using MGH17 = NistResidual<Mgh17Model>;
using Misra1a = NistResidual<ExponentialRiseModel>;
using Misra1b = NistResidual<Misra1bModel>;
using Misra1c = NistResidual<Misra1cModel>;
using Misra1d = NistResidual<Misra1dModel>;
using Nelson = NistResidual<NelsonModel>;
using Rat42 = NistResidual<Rat42Model>;
using Rat43 = NistResidual<Rat43Model>;
using Roszman1 = NistResidual<Roszman1Model>;
using Thurber = NistResidual<CubicRationalModel>;

}  // namespace growthcast::models::nist
