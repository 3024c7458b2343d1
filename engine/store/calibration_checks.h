// Checks that a calibration read from a file is one growthcast could have
// written, before anything is projected from it: a file edited by hand or by
// another tool must not produce numbers silently.
#pragma once

#include <string>

#include "calibrate/calibration.h"
#include "common/error.h"

namespace growthcast::store {

// Refuses, naming `file` and the dataset or attribute (as the field):
//  - /calibration/year: empty, or not consecutive increasing years;
//  - /calibration/region: empty, an empty label, or a label twice;
//  - /calibration/estimate: not one value per parameter, or not finite;
//  - shock_sigma: not finite, or <= 0 (0 only allowed with no shock pairs);
//  - shock_rho: not finite or outside (-1, 1);
//  - /calibration/covariance (when covariance_ok): not parameters x
//    parameters, not finite, not symmetric, or not positive semi-definite
//    (smallest eigenvalue below -1e-9 x the largest magnitude; rounding
//    leaves tiny negative eigenvalues in an exact PSD matrix);
//  - gdp, capital, labour, rd: not [region][year] (no reader may index past
//    them).
Status check_calibration(const calibrate::CalibrationResult& r,
                         const std::string& file);

}  // namespace growthcast::store
