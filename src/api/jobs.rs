//! Evaluation jobs: long replays run on a blocking thread after the request that started them
//! has been answered (202). Kept in memory, read only by whoever started them (or an officer),
//! cancelled by `DELETE` or by shutdown, and never dropped while they run.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde::Serialize;
use utoipa::ToSchema;

use super::auth::Caller;
use super::error::ApiError;
use crate::access::Visibility;
use crate::cancel::CancelFlag;

/// Jobs kept for their results; when full, the oldest finished job makes room. Running jobs
/// are never dropped (they are bounded by the heavy-request permits anyway).
const KEPT_JOBS: usize = 32;

/// Where an evaluation job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Waiting or replaying.
    Running,
    /// Finished; the result is ready.
    Done,
    /// Stopped by an error.
    Failed,
    /// Stopped by `DELETE` or by the server shutting down.
    Cancelled,
}

impl JobState {
    /// The snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
            JobState::Cancelled => "cancelled",
        }
    }
}

/// A job's status.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct JobStatus {
    /// Job id: random and unguessable; only whoever started the job (or an officer) reads it.
    pub id: String,
    /// State.
    pub state: JobState,
    /// Visit replays done (visits × configurations).
    pub done: usize,
    /// Visit replays in all.
    pub total: usize,
    /// This status, to poll.
    pub status_url: String,
    /// The summary, once done.
    pub result_url: String,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

struct Job {
    /// The token name that started it; `None` for an anonymous caller, whose only key is the
    /// unguessable id.
    owner: Option<String>,
    status: JobStatus,
    result: Option<serde_json::Value>,
    cancel: CancelFlag,
    /// When it stopped running: the oldest finished job makes room for a new one.
    finished: Option<std::time::Instant>,
}

/// The evaluation jobs of this server (in memory).
#[derive(Default)]
pub struct Jobs {
    jobs: Mutex<HashMap<String, Job>>,
}

impl Jobs {
    /// The table; a panic elsewhere while it was held leaves it usable (every change to it is
    /// a single assignment, so it is never half-updated).
    fn table(&self) -> MutexGuard<'_, HashMap<String, Job>> {
        self.jobs.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Raises every job's cancel flag (the server is stopping).
    pub fn cancel_all(&self) {
        for job in self.table().values() {
            job.cancel.cancel();
        }
    }

    /// Adds a running job, making room by dropping the oldest finished one; 503 when every
    /// kept job is still running.
    fn insert(&self, id: String, job: Job) -> Result<(), ApiError> {
        let mut table = self.table();
        if table.len() >= KEPT_JOBS {
            let oldest = table.iter().filter_map(|(id, job)| job.finished.map(|at| (at, id.clone()))).min();
            match oldest {
                Some((_, old)) => {
                    table.remove(&old);
                }
                None => return Err(ApiError::Busy),
            }
        }
        table.insert(id, job);
        Ok(())
    }

    /// Starts job `id` for `owner`: `work` runs on a blocking thread with a progress callback
    /// (visit replays done), holding `permits` for exactly as long as it runs. Its outcome is
    /// the job's result; a failure or a panic fails the job (it is never left `running`).
    pub fn start<P: Send + 'static>(
        self: &Arc<Self>,
        owner: Option<String>,
        total: usize,
        cancel: CancelFlag,
        permits: P,
        work: impl FnOnce(&(dyn Fn(usize) + Sync)) -> Result<serde_json::Value, crate::Error> + Send + 'static,
    ) -> Result<JobStatus, ApiError> {
        let id = format!("eval_{}", crate::access::random_hex::<16>());
        let status = JobStatus {
            id: id.clone(),
            state: JobState::Running,
            done: 0,
            total,
            status_url: format!("/v1/evaluations/{id}"),
            result_url: format!("/v1/evaluations/{id}/result"),
            error: None,
        };
        self.insert(id.clone(), Job { owner, status: status.clone(), result: None, cancel, finished: None })?;
        let jobs = self.clone();
        tokio::task::spawn_blocking(move || {
            let _permits = permits;
            let progress = |done: usize| {
                if let Some(job) = jobs.table().get_mut(&id) {
                    job.status.done = done;
                }
            };
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(&progress)))
                .unwrap_or_else(|_| Err(crate::Error::Internal("the evaluation panicked".into())));
            jobs.finish(&id, outcome);
        });
        Ok(status)
    }

    /// Records how job `id` ended.
    fn finish(&self, id: &str, outcome: Result<serde_json::Value, crate::Error>) {
        let mut table = self.table();
        let Some(job) = table.get_mut(id) else { return };
        job.finished = Some(std::time::Instant::now());
        if job.status.state == JobState::Cancelled {
            // Cancelled while its last visit was replayed: it stays cancelled.
            return;
        }
        match outcome {
            Ok(summary) => {
                job.status.state = JobState::Done;
                job.result = Some(summary);
            }
            Err(crate::Error::Cancelled) => job.status.state = JobState::Cancelled,
            Err(error) => {
                tracing::error!(job = %id, %error, "evaluation job failed");
                job.status.state = JobState::Failed;
                job.status.error = Some("the evaluation failed; the error has been logged".into());
            }
        }
    }

    /// The status of job `id`, as `caller` may see it.
    pub fn status(&self, id: &str, caller: &Caller) -> Result<JobStatus, ApiError> {
        self.with_job(id, caller, |job| job.status.clone())
    }

    /// The summary of finished job `id`; 409 while it has none.
    pub fn result(&self, id: &str, caller: &Caller) -> Result<serde_json::Value, ApiError> {
        self.with_job(id, caller, |job| job.result.clone().ok_or_else(|| ApiError::JobNotDone(id.to_string(), job.status.state.code())))?
    }

    /// Cancels running job `id` and gives its status, or forgets it once its workers have
    /// stopped (`None`). A running job is never dropped: until it stops, a repeat cancels again.
    pub fn cancel_or_forget(&self, id: &str, caller: &Caller) -> Result<Option<JobStatus>, ApiError> {
        let status = self.with_job(id, caller, |job| {
            if job.finished.is_none() {
                job.cancel.cancel();
                job.status.state = JobState::Cancelled;
                Some(job.status.clone())
            } else {
                None
            }
        })?;
        if status.is_none() {
            self.table().remove(id);
        }
        Ok(status)
    }

    /// Runs `read` on job `id` if `caller` may see it; otherwise 404, as for a job that does
    /// not exist.
    fn with_job<T>(&self, id: &str, caller: &Caller, read: impl FnOnce(&mut Job) -> T) -> Result<T, ApiError> {
        let mut table = self.table();
        match table.get_mut(id) {
            Some(job) if may_read(job, caller) => Ok(read(job)),
            _ => Err(ApiError::JobNotFound(id.to_string())),
        }
    }
}

fn may_read(job: &Job, caller: &Caller) -> bool {
    caller.visibility() == Visibility::Internal || job.owner.as_deref() == caller.holder()
}

/// Shared job table, for the app state.
pub fn new_jobs() -> Arc<Jobs> {
    Arc::new(Jobs::default())
}
