"""Reading `/metrics` in tests: every sample by name and labels, so a test can compare before and after."""
from prometheus_client.parser import text_string_to_metric_families

from app.services.monitoring import business


def scrape(client, **kwargs) -> dict:
    """Every sample of `/metrics`, with the business totals read now (not from the minute's cache)."""
    business.forget()
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)
    return parse(response.get_data(as_text=True))


def parse(text: str) -> dict:
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: dict, metric: str, /, **labels) -> float:
    return samples.get((metric, tuple(sorted(labels.items()))), 0.0)


def moved(before: dict, after: dict, metric: str, /, **labels) -> float:
    return value(after, metric, **labels) - value(before, metric, **labels)
