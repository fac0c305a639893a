"""--resume refuses a checkpoint that does not fit the model (issue 23,
case 8): mmengine's non-strict load only logged the differing tensors and
kept training those layers from their random initialisation."""
import pytest
import torch
from toy_runner import toy_runner

from fame_mm.engine.runner import ResumeMismatchError


@pytest.fixture
def checkpoint(tmp_path):
    """``iter_2.pth`` of a run whose layer has 2 outputs (plain SGD: no
    optimizer state, which would not fit a resized layer either)."""
    toy_runner(tmp_path / 'first', momentum=0).train()
    return str(tmp_path / 'first' / 'iter_2.pth')


def test_resume_refuses_shape_mismatch(tmp_path, checkpoint):
    runner = toy_runner(
        tmp_path / 'second',
        out_features=3,
        max_iters=3,
        resume=True,
        load_from=checkpoint)
    with pytest.raises(ResumeMismatchError) as err:
        runner.train()
    message = str(err.value)
    assert message.startswith(f'Cannot resume from {checkpoint}: 2 tensors '
                              'differ in shape from the model:')
    assert 'linear.weight: checkpoint (2, 4) vs model (3, 4)' in message
    assert 'linear.bias: checkpoint (2,) vs model (3,)' in message
    assert '--resume-ignore-shape-mismatch' in message


@pytest.mark.slow
def test_resume_with_the_opt_out_goes_on(tmp_path, checkpoint):
    runner = toy_runner(
        tmp_path / 'second',
        out_features=3,
        max_iters=3,
        momentum=0,
        resume=True,
        load_from=checkpoint,
        cfg=dict(resume_ignore_shape_mismatch=True))
    runner.train()
    assert runner.iter == 3


@pytest.mark.slow
def test_resume_with_matching_shapes_is_unchanged(tmp_path, checkpoint):
    runner = toy_runner(
        tmp_path / 'second',
        max_iters=3,
        momentum=0,
        resume=True,
        load_from=checkpoint)
    runner.train()
    assert runner.iter == 3
    saved = torch.load(checkpoint, weights_only=True)['state_dict']
    assert saved['linear.weight'].shape == (2, 4)


def test_resume_refuses_a_file_that_is_no_training_checkpoint(tmp_path):
    path = tmp_path / 'weights.pth'
    torch.save(dict(state_dict={}, meta=[[], []]), path)
    runner = toy_runner(tmp_path / 'work', resume=True, load_from=str(path))
    with pytest.raises(
            ResumeMismatchError, match='it is not a training checkpoint'):
        runner.train()
