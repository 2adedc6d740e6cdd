"""Keras 3 building blocks for word embeddings: KeyedVectors as layers, NNLM and ELMo networks.

This package depends on keras and numpy only (never on gensim): anything with ``.vectors`` and
``.index_to_key`` (such as gensim's ``KeyedVectors``) can be turned into a layer. Layer code uses
``keras.ops``, so it runs on the TensorFlow, JAX and PyTorch backends; the string-lookup layers at
a model's edge need TensorFlow's string ops, as Keras's own preprocessing layers do.
"""

from keras_layers.keyed_vectors_embedding import KeyedVectorsEmbedding
from keras_layers.token_lookup import TokenLookup, string_embedding_model
from keras_layers.nnlm_network import NNLMNetwork
from keras_layers.sampled_softmax import SampledSoftmax
from keras_layers.nnlm_sentence_embedding import NNLMSentenceEmbedding, sentence_embedding_model
