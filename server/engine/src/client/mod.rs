//! Everything around a model call that every provider needs the same way: bounded
//! concurrency, retries with backoff and jitter that honour `Retry-After`, the response cache,
//! the budget, cost from the model table, cancellation, and the run's totals.

mod budget;
mod cache;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use backon::{ExponentialBuilder, Retryable};
use promptopt_core::models::{ModelInfo, ModelTable};
use promptopt_core::tokens;
use serde::Serialize;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

pub use budget::{Budget, BudgetExceeded, Reservation};
pub use cache::{CachedAnswer, ResponseCache};

use crate::provider::{ChatRequest, Completion, Embeddings, Provider, ProviderError, Sink};

/// How failed calls are retried.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: usize,
    pub min_delay: Duration,
    pub max_delay: Duration,
    /// A `Retry-After` longer than this fails the call instead of stalling the run.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 4,
            min_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(20),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

/// What the run should do around each call.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    pub concurrency: usize,
    pub retry: RetryPolicy,
    pub budget_usd: Option<f64>,
    pub embedding_model: String,
}

/// A model call that went through.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Call {
    pub completion: Completion,
    /// USD at the model table's prices; `None` for a model the table does not price (a local
    /// model, say).
    pub cost_usd: Option<f64>,
    pub latency_ms: u64,
    /// Answered from the cache: nothing was sent or spent.
    pub cached: bool,
    pub attempts: usize,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CallError {
    #[error("{error}{}", tries(*attempts))]
    Provider {
        error: ProviderError,
        attempts: usize,
    },
    #[error(transparent)]
    Budget(#[from] BudgetExceeded),
    #[error("cancelled")]
    Cancelled,
}

fn tries(attempts: usize) -> String {
    if attempts > 1 {
        format!(" (after {attempts} attempts)")
    } else {
        String::new()
    }
}

/// The run's totals, for the summary line and the JSON output.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Totals {
    pub calls: u64,
    pub cached: u64,
    pub retries: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cost_usd: f64,
    /// Some calls were to a model the table does not price, so `cost_usd` is a floor.
    pub cost_unknown: bool,
}

#[derive(Debug, Default)]
struct Counters {
    calls: AtomicU64,
    cached: AtomicU64,
    retries: AtomicU64,
    input_tokens: AtomicU64,
    output_tokens: AtomicU64,
    unpriced: AtomicU64,
}

/// A provider with everything around its calls. Cheap to clone; clones share the budget,
/// the cache, the concurrency limit and the cancellation.
#[derive(Debug, Clone)]
pub struct ModelClient {
    provider: Arc<dyn Provider>,
    model: String,
    embedding_model: String,
    pricing: Option<ModelInfo>,
    limit: Arc<Semaphore>,
    retry: RetryPolicy,
    cache: Option<Arc<ResponseCache>>,
    budget: Arc<Budget>,
    cancel: CancellationToken,
    counters: Arc<Counters>,
}

impl ModelClient {
    pub fn new(
        provider: Arc<dyn Provider>,
        model: impl Into<String>,
        options: &ClientOptions,
        models: &ModelTable,
    ) -> Self {
        let model = model.into();
        Self {
            pricing: models.lookup(&model).cloned(),
            provider,
            model,
            embedding_model: options.embedding_model.clone(),
            limit: Arc::new(Semaphore::new(options.concurrency.max(1))),
            retry: options.retry,
            cache: None,
            budget: Arc::new(Budget::new(options.budget_usd)),
            cancel: CancellationToken::new(),
            counters: Arc::default(),
        }
    }

    pub fn with_cache(mut self, cache: Arc<ResponseCache>) -> Self {
        self.cache = Some(cache);
        self
    }

    /// Cancels through `token`: calls in flight are dropped (their HTTP requests with them)
    /// and later calls fail at once with [`CallError::Cancelled`].
    pub fn with_cancellation(mut self, token: CancellationToken) -> Self {
        self.cancel = token;
        self
    }

    pub fn model(&self) -> &str {
        &self.model
    }

    /// `openai-compatible http://… model`: what answered, for results and reports.
    pub fn describe(&self) -> String {
        format!("{} {}", self.provider.endpoint(), self.model)
    }

    pub fn budget(&self) -> &Budget {
        &self.budget
    }

    pub fn totals(&self) -> Totals {
        let c = &self.counters;
        Totals {
            calls: c.calls.load(Ordering::Relaxed),
            cached: c.cached.load(Ordering::Relaxed),
            retries: c.retries.load(Ordering::Relaxed),
            input_tokens: c.input_tokens.load(Ordering::Relaxed),
            output_tokens: c.output_tokens.load(Ordering::Relaxed),
            cost_usd: self.budget.spent(),
            cost_unknown: c.unpriced.load(Ordering::Relaxed) > 0,
        }
    }

    /// A chat call with this client's model (the request's `model` is replaced). `sample`
    /// tells repeated draws of the same request apart in the cache.
    pub async fn chat(
        &self,
        mut request: ChatRequest,
        sample: u32,
        sink: Option<Sink<'_>>,
    ) -> Result<Call, CallError> {
        request.model.clone_from(&self.model);
        let key = ResponseCache::key(&self.provider.endpoint(), &request, sample);
        if let Some(hit) = self.cache.as_ref().and_then(|cache| cache.get(&key)) {
            self.counters.cached.fetch_add(1, Ordering::Relaxed);
            if let Some(sink) = sink {
                sink(&hit.completion.text);
            }
            return Ok(Call {
                completion: hit.completion,
                cost_usd: hit.cost_usd,
                latency_ms: 0,
                cached: true,
                attempts: 0,
            });
        }
        // The permit first, then the reservation: only calls about to be sent hold money, so a
        // long queue behind the concurrency limit does not exhaust the budget on paper.
        let _permit = self.permit().await?;
        let reservation = self.budget.reserve(self.worst_case(&request))?;
        let started = Instant::now();
        let outcome = self.send(&request, sink).await;
        let (completion, attempts) = match outcome {
            Ok(done) => done,
            Err(error) => {
                self.budget.settle(reservation, 0.0);
                return Err(error);
            }
        };
        let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let cost_usd = self.cost(&completion);
        self.budget.settle(reservation, cost_usd.unwrap_or(0.0));
        self.counters.calls.fetch_add(1, Ordering::Relaxed);
        self.counters
            .input_tokens
            .fetch_add(completion.usage.input_tokens, Ordering::Relaxed);
        self.counters
            .output_tokens
            .fetch_add(completion.usage.output_tokens, Ordering::Relaxed);
        if cost_usd.is_none() {
            self.counters.unpriced.fetch_add(1, Ordering::Relaxed);
        }
        if let Some(cache) = &self.cache {
            cache.put(
                &key,
                &CachedAnswer {
                    completion: completion.clone(),
                    cost_usd,
                },
            );
        }
        Ok(Call {
            completion,
            cost_usd,
            latency_ms,
            cached: false,
            attempts,
        })
    }

    /// Embeddings with the configured embedding model, under the same limit, retries and
    /// cancellation as chat calls.
    pub async fn embed(&self, inputs: &[String]) -> Result<Embeddings, CallError> {
        let _permit = self.permit().await?;
        let (embeddings, _) = self
            .retrying(|| self.provider.embed(&self.embedding_model, inputs))
            .await?;
        Ok(embeddings)
    }

    async fn permit(&self) -> Result<tokio::sync::SemaphorePermit<'_>, CallError> {
        // Cancellation first: a call queued behind the limit must not start once cancelled.
        tokio::select! {
            biased;
            () = self.cancel.cancelled() => Err(CallError::Cancelled),
            permit = self.limit.acquire() => permit.map_err(|_| CallError::Cancelled),
        }
    }

    /// Sends with retries (the caller holds a permit); returns the completion and how many
    /// attempts it took.
    async fn send(
        &self,
        request: &ChatRequest,
        sink: Option<Sink<'_>>,
    ) -> Result<(Completion, usize), CallError> {
        self.retrying(|| self.provider.chat(request, sink)).await
    }

    /// Runs `call` until it succeeds, fails for good or runs out of retries, or the client is
    /// cancelled; returns its answer and how many attempts it took. Every retry counts in the
    /// run's totals.
    async fn retrying<T, F>(&self, call: impl Fn() -> F) -> Result<(T, usize), CallError>
    where
        F: std::future::Future<Output = Result<T, ProviderError>>,
    {
        let attempts = AtomicU64::new(0);
        let counted = || {
            attempts.fetch_add(1, Ordering::Relaxed);
            call()
        };
        let retried = counted
            .retry(self.backoff())
            .sleep(tokio::time::sleep)
            .when(ProviderError::is_retryable)
            .notify(|error, delay| {
                self.counters.retries.fetch_add(1, Ordering::Relaxed);
                tracing::info!("retrying in {delay:?}: {error}");
            })
            .adjust(|error, delay| self.adjust(error, delay));
        let result = tokio::select! {
            biased;
            () = self.cancel.cancelled() => return Err(CallError::Cancelled),
            result = retried => result,
        };
        let attempts = attempts.load(Ordering::Relaxed) as usize;
        result
            .map(|answer| (answer, attempts))
            .map_err(|error| CallError::Provider { error, attempts })
    }

    fn backoff(&self) -> ExponentialBuilder {
        ExponentialBuilder::default()
            .with_min_delay(self.retry.min_delay)
            .with_max_delay(self.retry.max_delay)
            .with_max_times(self.retry.max_retries)
            .with_jitter()
    }

    /// The provider's `Retry-After` replaces the backoff delay; one longer than the policy
    /// allows ends the retries (`None`).
    fn adjust(&self, error: &ProviderError, delay: Option<Duration>) -> Option<Duration> {
        match error.retry_after() {
            Some(asked) if asked > self.retry.max_retry_after => None,
            Some(asked) => delay.map(|_| asked),
            None => delay,
        }
    }

    /// The most this call can cost: every input token and `max_tokens` of output. Zero for a
    /// model the table does not price.
    fn worst_case(&self, request: &ChatRequest) -> f64 {
        let Some(model) = &self.pricing else {
            return 0.0;
        };
        let input: usize = request
            .messages
            .iter()
            .map(|m| tokens::count_for_model(&m.content, Some(model)).tokens + 4)
            .sum();
        tokens::cost_usd(input, request.max_tokens as usize, model)
    }

    fn cost(&self, completion: &Completion) -> Option<f64> {
        self.pricing.as_ref().map(|model| {
            tokens::cost_usd(
                completion.usage.input_tokens as usize,
                completion.usage.output_tokens as usize,
                model,
            )
        })
    }
}
