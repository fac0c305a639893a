# pretrain_k400_device_crop.py with NVDEC decoding (torchcodec on CUDA) in
# the main process: the loader workers only open the file (for its frame
# count) and sample frame indices; ContrastiveDataPreprocessor decodes them
# on the GPU (CUDA decoders fail in DataLoader workers), then crops, resizes
# and flips there. Off by default: needs torchcodec with FFmpeg's shared
# libraries and a CUDA build (see docs/data_loading.md).
#   tools/dist_train.sh configs/fame/pretrain_k400_nvdec.py 8
_base_ = ['./pretrain_k400_device_crop.py']

train_pipeline = [
    dict(type='CheckedVideoInit', backend='pyav'),  # frame count only
    _base_._two_clips,
    dict(type='PackFrameIndices'),
]
train_dataloader = dict(num_workers=4, dataset=dict(pipeline=train_pipeline))
model = dict(
    data_preprocessor=dict(decoder=dict(backend='torchcodec', device='cuda')))
