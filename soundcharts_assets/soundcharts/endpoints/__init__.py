"""The API's endpoints grouped by the noun they serve, one mixin per file, composed by ``SoundchartsClient``.

Each file knows only paths, versions, parameters and which parser reads which answer (the table of
docs/architecture.md); sending, retries and pacing are the transport's, paging is ``pagination.py``'s. To
change how artist audience is fetched, open ``audience.py``.
"""

from .artists import ArtistEndpoints
from .audience import AudienceEndpoints
from .charts import ChartEndpoints
from .songs import SongEndpoints
from .usage import UsageEndpoints

__all__ = ["ArtistEndpoints", "AudienceEndpoints", "ChartEndpoints", "SongEndpoints", "UsageEndpoints"]
