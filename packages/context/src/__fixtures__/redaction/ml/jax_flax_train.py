import jax
import jax.numpy as jnp
import optax
from flax import linen as nn
from flax.training import train_state
from transformers import FlaxAutoModelForSequenceClassification

model = FlaxAutoModelForSequenceClassification.from_pretrained("bert-base-cased", num_labels=2)
rng = jax.random.PRNGKey(42)
rng, dropout_rng = jax.random.split(rng)
key, subkey = jax.random.split(rng)
schedule = optax.warmup_cosine_decay_schedule(init_value=0.0, peak_value=2e-5, warmup_steps=500, decay_steps=10_000)
tx = optax.chain(optax.clip_by_global_norm(1.0), optax.adamw(learning_rate=schedule, weight_decay=0.01))


class TrainState(train_state.TrainState):
    dropout_rng: jnp.ndarray


state = TrainState.create(apply_fn=model.__call__, params=model.params, tx=tx, dropout_rng=dropout_rng)


def loss_fn(params, batch, dropout_key):
    logits = state.apply_fn(**{k: v for k, v in batch.items() if k != "labels"}, params=params, dropout_rng=dropout_key, train=True)[0]
    onehot = jax.nn.one_hot(batch["labels"], logits.shape[-1])
    return optax.softmax_cross_entropy(logits, onehot).mean()


@jax.jit
def train_step(state, batch):
    dropout_key, new_dropout_rng = jax.random.split(state.dropout_rng)
    loss, grads = jax.value_and_grad(loss_fn)(state.params, batch, dropout_key)
    new_state = state.apply_gradients(grads=grads, dropout_rng=new_dropout_rng)
    return new_state, {"loss": loss}


cache_key = jax.random.fold_in(subkey, 7)
perm_key = jax.random.PRNGKey(0)
print(jax.devices(), jnp.zeros((2, 2)).sum(), cache_key.shape, perm_key.dtype)
