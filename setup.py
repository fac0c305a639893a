from setuptools import find_packages, setup


def read_requirements(path):
    with open(path) as f:
        return [line.strip() for line in f
                if line.strip() and not line.startswith('#')]


setup(
    name='fame_mm',
    version='0.1.0',
    description='FAME (foreground-background merging) for motion-aware '
    'contrastive video pretraining, as an mmaction2 plugin',
    packages=find_packages(include=['fame_mm', 'fame_mm.*']),
    python_requires='>=3.10,<3.13',
    # torch/torchvision and mmcv (installed as mmcv-lite) are set up by
    # tools/setup_env.sh; see requirements/*.txt.
    install_requires=read_requirements('requirements/runtime.txt'),
    license='Apache License 2.0',
)
