from .inception_i3d import InceptionI3D
from .r2plus1d import R2Plus1D18

__all__ = ['InceptionI3D', 'R2Plus1D18']
