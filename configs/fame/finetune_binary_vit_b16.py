# Endo-FM's PolypDiag protocol for a FAME-pretrained TimeSformer ViT-B/16
# (./pretrain_k400_vit_b16.py or your own pretraining on endoscopy videos):
# two classes (0 normal, 1 abnormal) from annotation lists, 8 x 224^2 clips
# at stride 32, the whole network finetuned with SGD lr 0.001 x 4 / 256,
# momentum 0.9, no weight decay, cosine over 20 epochs, batch 4 on one GPU;
# headline: F1 of the abnormal class (BinaryF1Metric), with precision and
# recall. The best epoch by F1 is kept, as Endo-FM reports it.
#   python tools/train.py configs/fame/finetune_binary_vit_b16.py \
#       --cfg-options pretrained=work_dirs/pretrain_k400_vit_b16/epoch_200.pth
#   python tools/test.py configs/fame/finetune_binary_vit_b16.py \
#       work_dirs/finetune_binary_vit_b16/best_binary_f1_epoch_*.pth
# Other data: --cfg-options train_dataloader.dataset.ann_file=... (and
# val_/test_dataloader, data_prefix.video).
_base_ = [
    '../_base_/models/timesformer_finetune.py',
    '../_base_/datasets/binary_videos.py',
    '../_base_/schedules/endofm_finetune_cosine_20e.py',
    '../_base_/downstream_runtime.py',
]

pretrained = 'work_dirs/pretrain_k400_vit_b16/epoch_200.pth'
model = dict(cls_head=dict(num_classes=2))
train_dataloader = dict(dataset=dict(pipeline=_base_.train_pipeline_8x32))
val_dataloader = dict(dataset=dict(pipeline=_base_.val_pipeline_8x32))
test_dataloader = dict(dataset=dict(pipeline=_base_.val_pipeline_8x32))
default_hooks = dict(
    checkpoint=dict(
        interval=1, max_keep_ckpts=1, save_best='binary/f1', rule='greater'))
