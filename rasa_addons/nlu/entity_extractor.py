"""Rasa's CRFEntityExtractor, stored as trained models instead of retrained at every load."""

from collections import OrderedDict
from typing import Any, Dict, List

import rasa.shared.utils.io
import sklearn_crfsuite
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.crf_entity_extractor import CRFEntityExtractor, CRFToken
from sklearn_crfsuite._fileresource import FileResource

ORDER_FILE = "crf_order.json"


def crf_from_model(model: bytes) -> sklearn_crfsuite.CRF:
    """A CRF that tags with a trained crfsuite model (the bytes of its model file)."""
    crf = sklearn_crfsuite.CRF()
    crf.modelfile = FileResource(suffix=".crfsuite", prefix="crf")
    crf.modelfile.ensure_name()
    with open(crf.modelfile.name, "wb") as file:
        file.write(model)
    return crf


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=True)
class StoredCRFEntityExtractor(CRFEntityExtractor):
    """Extracts entities like CRFEntityExtractor; the model keeps the trained CRFs.

    Rasa 3.6's component stores its whole training set as JSON (every token's features: 100 MB
    for 13,000 examples) and trains the CRFs again each time the model is loaded: seconds of
    `make train` to write and pack it, and a CRF training at every start of Rasa
    (docs/nlu-evaluation.md). Here the crfsuite model file of each trained CRF is stored, and
    loading opens it. The same entities and confidences come out
    (tests/rasa_addons/nlu/test_entity_extractor.py).
    """

    def persist(self, dataset: List[List[CRFToken]]) -> None:
        with self._model_storage.write_to(self._resource) as model_dir:
            rasa.shared.utils.io.dump_obj_as_json_to_file(model_dir / ORDER_FILE, self.crf_order)
            for tag_name, crf in self.entity_taggers.items():
                with open(crf.modelfile.name, "rb") as model:
                    (model_dir / f"{tag_name}.crfsuite").write_bytes(model.read())

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> CRFEntityExtractor:
        try:
            with model_storage.read_from(resource) as model_dir:
                crf_order = rasa.shared.utils.io.read_json_file(model_dir / ORDER_FILE)
                taggers = OrderedDict(
                    (tag, crf_from_model((model_dir / f"{tag}.crfsuite").read_bytes()))
                    for tag in crf_order
                )
        except (ValueError, FileNotFoundError):
            # not trained (no examples with entities), or a model of Rasa's own component
            return super().load(config, model_storage, resource, execution_context, **kwargs)
        extractor = cls(config, model_storage, resource, taggers)
        extractor.crf_order = crf_order
        return extractor
