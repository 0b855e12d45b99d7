#include "gauss_hermite.hpp"

#include <Eigen/Dense>
#include <cmath>
#include <map>
#include <mutex>

namespace pyinla {

const QuadratureRule& gauss_hermite(int n) {
  static std::mutex mutex;
  static std::map<int, QuadratureRule> rules;
  std::lock_guard<std::mutex> lock(mutex);
  auto found = rules.find(n);
  if (found != rules.end()) return found->second;

  // The Jacobi matrix of He_k: x He_k = He_{k+1} + k He_{k-1}; its eigenvalues are the nodes, and the squared
  // first components of its eigenvectors the weights of the standard normal.
  Eigen::MatrixXd jacobi = Eigen::MatrixXd::Zero(n, n);
  for (int k = 1; k < n; ++k) jacobi(k, k - 1) = jacobi(k - 1, k) = std::sqrt(static_cast<double>(k));
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(jacobi);
  QuadratureRule rule;
  for (int k = 0; k < n; ++k) {
    rule.nodes.push_back(eigen.eigenvalues()[k]);
    rule.weights.push_back(eigen.eigenvectors()(0, k) * eigen.eigenvectors()(0, k));
  }
  return rules.emplace(n, rule).first->second;
}

}  // namespace pyinla
