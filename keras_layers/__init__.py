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
from keras_layers.char_ids import batch_char_ids, deduplicate_char_ids, sentence_char_ids, token_char_ids
from keras_layers.char_vocabulary import ByteCharacters, CharacterVocabulary, UnicodeCharacters
from keras_layers.string_char_ids import StringCharIds
from keras_layers.highway import Highway
from keras_layers.char_cnn import CharCNN
from keras_layers.lstm_projection import LSTMProjection
from keras_layers.bilm import BiLM
from keras_layers.scalar_mix import ScalarMix
from keras_layers.elmo_network import ELMoNetwork
from keras_layers.elmo_embedding import ELMoEmbedding
from keras_layers.bilm_language_model import BiLMLanguageModel
from keras_layers.nnlm_language_model import NNLMLanguageModel

__all__ = [
    "KeyedVectorsEmbedding", "TokenLookup", "string_embedding_model", "NNLMNetwork", "NNLMLanguageModel",
    "SampledSoftmax", "NNLMSentenceEmbedding", "sentence_embedding_model", "batch_char_ids",
    "deduplicate_char_ids", "sentence_char_ids", "token_char_ids", "CharacterVocabulary", "ByteCharacters",
    "UnicodeCharacters", "StringCharIds", "Highway", "CharCNN",
    "LSTMProjection", "BiLM", "ScalarMix", "ELMoNetwork", "ELMoEmbedding", "BiLMLanguageModel",
]
