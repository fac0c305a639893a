from .inception_i3d import InceptionI3D

__all__ = ['InceptionI3D']
