"""Install predefsparse: the adjmat, hwsim and predefsparse packages and the `predefsparse` command.

GPU users: the default install pulls ``tensorflow-cpu`` (small, runs everywhere).  For an NVIDIA GPU install
the ``gpu`` extra instead of the default TensorFlow, in a fresh environment:
``pip install -e ".[gpu]" && pip uninstall -y tensorflow-cpu`` (TensorFlow's own ``and-cuda`` build then
provides the kernels; both wheels provide the same ``tensorflow`` module).
"""
from setuptools import find_packages, setup

setup(
    name="predefsparse",
    version="0.1.0",
    description="Hardware-oriented pre-defined sparse neural networks: connection patterns, "
    "a cycle-level accelerator simulator and Keras 3 training",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    python_requires=">=3.10",
    packages=find_packages(include=["adjmat", "adjmat.*", "hwsim", "hwsim.*", "predefsparse", "predefsparse.*"]),
    package_data={"predefsparse": ["data/*"]},
    install_requires=[
        "numpy>=1.26",
        "scipy>=1.11",
        "numba>=0.60",
        "matplotlib>=3.7",
        "scikit-learn>=1.3",
        "tensorflow-cpu>=2.16; platform_machine=='x86_64' or platform_machine=='AMD64'",
        "tensorflow>=2.16; platform_machine!='x86_64' and platform_machine!='AMD64'",
        "keras>=3.5",
    ],
    extras_require={
        "test": ["pytest>=7", "hypothesis>=6.80"],
        "gpu": ["tensorflow[and-cuda]>=2.16"],
        "dist": ["ray>=2.9"],
    },
    entry_points={"console_scripts": ["predefsparse=predefsparse.cli:main"]},
)
