//! The wire side of a query and its response, through hickory-proto: parsing with early
//! rejections, and framing an [`Answer`](crate::answer::Answer) with EDNS, EDE, padding and
//! truncation.

pub mod query;
pub mod response;

#[cfg(test)]
mod tests;

pub use query::{EdnsInfo, Query, Rejection, parse_query};
pub use response::{Framed, MAX_UDP_PAYLOAD, Transport, build_rejection, build_response};
