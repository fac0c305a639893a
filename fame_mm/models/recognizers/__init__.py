from .moco_recognizer import MoCoRecognizer

__all__ = ['MoCoRecognizer']
