# Video retrieval with a FAME-pretrained Inception-I3D on UCF101 split 1
# (docs/method.md §6.1-6.2; SPLIT=2|3 selects another), no training:
# query = test split, gallery = train split; per video the pooled backbone
# features of 10 uniform clips x 1 centre crop are averaged, each set is
# centred on its own mean and L2-normalised, cosine similarity,
# Recall@1/5/10/20/50; plus kNN top-1.
#   python tools/test.py configs/fame/retrieval_ucf101.py \
#       --cfg-options pretrained=work_dirs/pretrain_k400/epoch_200.pth
# (or give the pretraining checkpoint as tools/test.py's CHECKPOINT).
_base_ = [
    '../_base_/models/inception_i3d_features.py',
    '../_base_/datasets/ucf101_retrieval.py',
    '../_base_/downstream_runtime.py',
]
