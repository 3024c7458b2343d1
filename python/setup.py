"""Builds growthcast._core with the project's CMake for `pip install`.

The module is the target growthcast_python of the checkout's CMake project
(one folder up); GROWTHCAST_BUILD_DIR names a build tree to use (default:
build-pip/ in the checkout), CMAKE_BUILD_PARALLEL_LEVEL the jobs.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        if not (ROOT / "CMakeLists.txt").exists():
            sys.exit("setup.py: build from a growthcast checkout "
                     "(pip install ./python)")
        build = Path(os.environ.get("GROWTHCAST_BUILD_DIR",
                                    ROOT / "build-pip")).resolve()
        subprocess.run(
            ["cmake", "-S", str(ROOT), "-B", str(build),
             "-DCMAKE_BUILD_TYPE=Release", "-DGROWTHCAST_PYTHON=ON",
             f"-DPython_EXECUTABLE={sys.executable}"], check=True)
        subprocess.run(["cmake", "--build", str(build), "--target",
                        "growthcast_python"], check=True)
        built = next((build / "python" / "growthcast").glob("_core*.so"))
        target = Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(built, target)


setup(
    packages=["growthcast"],
    package_dir={"growthcast": "growthcast"},
    ext_modules=[Extension("growthcast._core", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
)
